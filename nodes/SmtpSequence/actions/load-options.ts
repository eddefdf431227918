/** Lists the editor loads while the user fills in parameters. */
import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { timeZoneNames } from '../../../core/sequence/time-zones';

/** Sending Window → Time Zone: the workflow's zone first (value ''), then every IANA zone. */
export async function getTimeZones(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	// the editor asks without the workflow's settings, so this is the instance's zone; a workflow with its
	// own Timezone setting uses that one, hence the wording
	const fallback = this.getTimezone();
	return [
		{ name: `Workflow's Time Zone (Workflow Settings; This Instance's Default: ${fallback})`, value: '' },
		...timeZoneNames().map((zone) => ({ name: zone.replace(/_/g, ' '), value: zone })),
	];
}

/**
 * Prospect Time Zone: none first (value '': the Sending Window's zone applies), then every IANA zone.
 * A zone per prospect comes from an expression such as {{ $json.timezone }}, which the field accepts too.
 */
export async function getProspectTimeZones(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return [
		{ name: "None (the Sending Window's Time Zone)", value: '' },
		...timeZoneNames().map((zone) => ({ name: zone.replace(/_/g, ' '), value: zone })),
	];
}
