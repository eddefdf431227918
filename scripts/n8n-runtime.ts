/**
 * Installs (once) the real n8n 2.41.1 + Node 24 used by e2e tests, the demo and CI into .runtime/n8n.
 *
 *   npx tsx scripts/n8n-runtime.ts            install if the committed lockfile changed, else reuse
 *   npx tsx scripts/n8n-runtime.ts --force    reinstall
 *   npx tsx scripts/n8n-runtime.ts --print    print the runtime paths as JSON (after ensuring it)
 */
import { ensureN8nRuntime } from './lib/n8n-runtime';

async function main(): Promise<void> {
	const args = new Set(process.argv.slice(2));
	const runtime = await ensureN8nRuntime({ force: args.has('--force') });
	if (args.has('--print')) {
		process.stdout.write(`${JSON.stringify(runtime, null, 2)}\n`);
	} else {
		process.stderr.write(
			`n8n runtime ${runtime.installed ? 'installed' : 'reused'} in ${runtime.seconds} s: ${runtime.dir} (Node ${runtime.nodeVersion})\n`,
		);
	}
}

main().catch((err: unknown) => {
	process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
