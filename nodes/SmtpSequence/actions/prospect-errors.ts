/**
 * A bad prospect field, said so a no-code user can fix it: which prospect (by name when the item has
 * one), which field, what it is mapped to, and which fields the item does have.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { InputError, asSequenceError, type SequenceError } from '../../../core/errors';

const MAX_FIELDS_LISTED = 12;
const MAX_NAME = 60;

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** "Jane Doe", "jane@acme.com", or "" when the item says nothing about who it is. */
function whoIs(fn: IExecuteFunctions, index: number, json: IDataObject): string {
	let name = '';
	try {
		name = text(fn.getNodeParameter('name', index, ''));
	} catch {
		// the name's own expression failed: fall back to the item's fields
	}
	if (!name) name = [text(json.firstName ?? json.first_name), text(json.lastName ?? json.last_name)].filter(Boolean).join(' ');
	if (!name) name = text(json.name) || text(json.fullName) || text(json.company);
	return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
}

/** The mapping of a parameter as the user wrote it ("{{ $json.email }}"), without n8n's leading "=". */
function mapping(fn: IExecuteFunctions, parameter: string, index: number): string {
	const raw = fn.getNodeParameter(parameter, index, '', { rawExpressions: true });
	return typeof raw === 'string' ? raw.replace(/^=/, '') : '';
}

/**
 * The error of an item whose prospect fields failed validation, naming the prospect and the field.
 * Empty Prospect Email gets its own sentence (n8n's required check passes an expression that evaluates
 * to nothing); other problems keep their message, prefixed with the prospect.
 */
export function prospectError(fn: IExecuteFunctions, index: number, error: unknown): SequenceError {
	const failure = asSequenceError(error);
	const json = fn.getInputData()[index]?.json ?? {};
	const who = whoIs(fn, index, json);
	const fields = Object.keys(json);
	const listed = fields.length === 0 ? 'none' : fields.slice(0, MAX_FIELDS_LISTED).join(', ') + (fields.length > MAX_FIELDS_LISTED ? ', …' : '');
	const hint = `This item's fields: ${listed}.`;
	let email: unknown;
	try {
		email = fn.getNodeParameter('email', index, '');
	} catch {
		email = undefined;
	}
	if (failure.code === 'INVALID_ADDRESS' && (email === '' || email === null || email === undefined)) {
		const mapped = mapping(fn, 'email', index);
		return new InputError(
			'INVALID_ADDRESS',
			`Prospect Email is empty for ${who ? `prospect "${who}"` : 'this item'}${mapped ? ` (mapped to ${mapped})` : ''}: map the input field that holds the address, e.g. {{ $json.email }}.`,
			{ hint },
		);
	}
	return new InputError(failure.code === 'UNEXPECTED' ? 'INVALID_PARAMETER' : failure.code, who ? `Prospect "${who}": ${failure.message}` : failure.message, {
		hint: failure.hint ? `${failure.hint} ${hint}` : hint,
	});
}
