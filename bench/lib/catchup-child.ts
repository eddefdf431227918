/** Runs one trigger catch-up (`catchup.ts`) in this fresh process and prints its figure as JSON. */
import './env';
import { catchUpOnce } from './catchup';

catchUpOnce().then(
	(figure) => {
		process.stdout.write(`${JSON.stringify(figure)}\n`);
		process.exit(0);
	},
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	},
);
