/**
 * Builds and packs this repository the way it is published, and installs the tarball into an n8n
 * "nodes" folder the way Settings → Community Nodes does. n8n then registers the node types as
 * `n8n-nodes-smtp-sequence.smtpSequence` / `n8n-nodes-smtp-sequence.imapReplyTrigger`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRootDir, run } from '../../scripts/lib/n8n-runtime';

export const PACKAGE_NAME = 'n8n-nodes-smtp-sequence';

/** Node and credential type names as n8n sees them once the package is installed. */
export const TYPES = {
	smtpSequence: `${PACKAGE_NAME}.smtpSequence`,
	imapReplyTrigger: `${PACKAGE_NAME}.imapReplyTrigger`,
	credential: 'outreachMailboxApi',
} as const;

export interface PackedPackage {
	/** The `npm pack` tarball. */
	tgz: string;
	/** A ready `nodes` folder (package.json + node_modules/n8n-nodes-smtp-sequence) to copy into `$N8N_USER_FOLDER/.n8n/`. */
	nodesTemplate: string;
}

export interface PackOptions {
	/** Run `npm run build` first (default true). */
	build?: boolean;
	/** Work folder; defaults to `<repo>/.runtime/pack`. */
	workDir?: string;
	log?: (line: string) => void;
}

/** `npm run build`, `npm pack`, then `npm install <tgz>` into a template nodes folder. */
export async function packAndInstallTemplate(options: PackOptions = {}): Promise<PackedPackage> {
	const repoRoot = repoRootDir();
	const workDir = options.workDir ?? path.join(repoRoot, '.runtime', 'pack');
	const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
	fs.rmSync(workDir, { recursive: true, force: true });
	fs.mkdirSync(workDir, { recursive: true });

	if (options.build !== false) {
		log('package: npm run build');
		await run('npm', ['run', 'build', '--silent'], { cwd: repoRoot, log, label: 'build' });
	}
	for (const entry of readN8nEntries(repoRoot)) {
		if (!fs.existsSync(path.join(repoRoot, entry))) {
			throw new Error(`package: ${entry} (listed in package.json "n8n") is missing after the build`);
		}
	}

	log('package: npm pack');
	const packed = await run('npm', ['pack', '--json', '--pack-destination', workDir, '--loglevel=error'], {
		cwd: repoRoot,
		log: () => undefined,
		label: 'pack',
	});
	const [info] = JSON.parse(packed) as Array<{ filename: string }>;
	const tgz = path.join(workDir, info.filename);

	const nodesTemplate = path.join(workDir, 'nodes');
	fs.mkdirSync(nodesTemplate, { recursive: true });
	fs.writeFileSync(
		path.join(nodesTemplate, 'package.json'),
		`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
	);
	log(`package: npm install ${path.basename(tgz)} into a nodes folder`);
	// The package's peer dependency n8n-workflow must come from n8n itself (one copy, so
	// `instanceof NodeOperationError` holds); --legacy-peer-deps keeps npm from installing a second one.
	await run(
		'npm',
		['install', tgz, '--omit=dev', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
		{ cwd: nodesTemplate, log, label: 'nodes' },
	);
	return { tgz, nodesTemplate };
}

function readN8nEntries(repoRoot: string): string[] {
	const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
		n8n?: { nodes?: string[]; credentials?: string[] };
	};
	return [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])];
}
