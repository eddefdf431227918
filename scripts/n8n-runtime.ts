/**
 * Installs (once) a pinned real n8n used by e2e tests, the demo and CI (see scripts/lib/n8n-runtime.ts).
 *
 *   npx tsx scripts/n8n-runtime.ts                 n8n 2.41.1 + Node 24, dependencies and native modules
 *   npx tsx scripts/n8n-runtime.ts --runtime=1.x   n8n 1.123 on the system Node 20
 *   npx tsx scripts/n8n-runtime.ts --stage=base    dependencies only (what the demo needs)
 *   npx tsx scripts/n8n-runtime.ts --force         reinstall
 *   npx tsx scripts/n8n-runtime.ts --print         print the runtime paths as JSON (after ensuring it)
 */
import { ensureN8nRuntime, runtimeById, type RuntimeStage } from './lib/n8n-runtime';

function option(name: string): string | undefined {
	const prefix = `--${name}=`;
	return process.argv.slice(2).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function main(): Promise<void> {
	const args = new Set(process.argv.slice(2));
	const stage = option('stage') ?? 'native';
	if (stage !== 'base' && stage !== 'native') throw new Error(`--stage=${stage}: use base or native`);
	const runtime = await ensureN8nRuntime({
		runtime: runtimeById(option('runtime') ?? '2.x'),
		stage: stage as RuntimeStage,
		force: args.has('--force'),
	});
	if (args.has('--print')) {
		process.stdout.write(`${JSON.stringify(runtime, null, 2)}\n`);
	} else {
		const steps = Object.entries(runtime.steps).map(([k, v]) => `${k} ${v} s`).join(', ');
		process.stderr.write(
			`n8n ${runtime.n8nVersion} runtime (${runtime.spec.id}, ${runtime.stage}) ${runtime.installed ? 'installed' : 'reused'} in ${runtime.seconds} s` +
				`${steps ? ` (${steps})` : ''}: ${runtime.dir} (Node ${runtime.nodeVersion})\n`,
		);
	}
}

main().catch((err: unknown) => {
	process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
