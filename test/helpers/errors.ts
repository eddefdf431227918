import { InputError } from '../../core/errors';

/** The InputError `fn` throws; fails the test if it throws nothing or something else. */
export function inputErrorOf(fn: () => unknown): InputError {
	try {
		fn();
	} catch (error) {
		if (error instanceof InputError) return error;
		throw error;
	}
	throw new Error('expected an InputError');
}
