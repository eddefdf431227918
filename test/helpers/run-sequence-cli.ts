/**
 * Runs one SMTP Sequence run in its own process (a stand-in for a second n8n worker) and prints the
 * statuses as JSON. Usage: tsx test/helpers/run-sequence-cli.ts '{"sender":…,"sequenceKey":…,"prospects":[…],"steps":[…]}'
 */
import { runSequence } from '../../transport/sequence-run';
import { sequenceRequest, type TestStep } from './sequence';

interface CliConfig {
	sender: string;
	sequenceKey: string;
	prospects: string[];
	steps: TestStep[];
	pacingSeconds?: number;
	dailyLimit?: number;
}

async function main(): Promise<void> {
	const config = JSON.parse(process.argv[2] ?? '{}') as CliConfig;
	const pacing = config.pacingSeconds ?? 0;
	const request = sequenceRequest({ ...config, settings: { pacingMinSeconds: pacing, pacingMaxSeconds: pacing, ...(config.dailyLimit ? { dailyLimit: config.dailyLimit } : {}) } });
	const results = await runSequence(request, {
		now: () => new Date(),
		sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
		random: Math.random,
	});
	process.stdout.write(JSON.stringify(results.map((r) => r.status)));
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
