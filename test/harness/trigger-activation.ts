/**
 * Activates a trigger node the way n8n 2.x does, with n8n-core's real `TriggerContext` (parameters from
 * the node JSON, credentials through a credentials helper, static data from `Workflow.getStaticData`,
 * binary helpers through n8n-core's `BinaryDataService`). What n8n's `TriggerExecutionContextFactory`
 * adds around it is emulated, as its 2.41 source does it: `emit` first saves the workflow's static data
 * when `__dataChanged` is set (here into `saved()`, standing for the database), then starts the
 * execution (here: records the items); after `trigger()` returns, static data is saved once more.
 */
import 'reflect-metadata';
import { TriggerContext } from 'n8n-core';
import {
	NodeHelpers,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type ITriggerResponse,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { TestCredentialsHelper } from './engine';

/** One activation. */
export interface Activation {
	/** Items of each emit, in order. */
	executions: INodeExecutionData[][];
	/** Errors the trigger reported with `emitError`. */
	errors: Error[];
	/** Static data as n8n's database would hold it (saved on each emit and after activation). */
	saved: () => IDataObject;
	/** Static data as the running trigger holds it in memory. */
	live: () => IDataObject;
	response: ITriggerResponse;
}

/** What to activate. */
export interface ActivationRequest {
	nodeType: new () => INodeType;
	node: INode;
	workflowId: string;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** Static data saved by an earlier activation (`saved()`), as n8n reloads it after a restart. */
	staticData?: IDataObject;
}

function withoutMarker(staticData: IDataObject): IDataObject {
	const { __dataChanged: _changed, ...rest } = JSON.parse(JSON.stringify(staticData)) as IDataObject;
	return rest;
}

/** Calls the node's `trigger()` in production mode ('trigger', 'activate'). */
export async function activateTrigger(request: ActivationRequest): Promise<Activation> {
	const { node } = request;
	const nodeTypes: INodeTypes = {
		getByName: () => new request.nodeType(),
		getByNameAndVersion: (_type, version) => NodeHelpers.getVersionedNodeType(new request.nodeType(), version),
		getKnownTypes: () => ({}),
	};
	const staticData = structuredClone(request.staticData ?? {});
	const workflow = new Workflow({ id: request.workflowId, nodes: [node], connections: {}, active: true, nodeTypes, staticData });
	// TriggerContext reads these fields only; the rest of the interface belongs to executions
	const additionalData = {
		credentialsHelper: new TestCredentialsHelper(request.credentials),
		variables: {},
		restApiUrl: 'http://localhost/rest',
		instanceBaseUrl: 'http://localhost/',
		webhookBaseUrl: 'http://localhost/webhook',
		webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost/webhook-test',
		formWaitingBaseUrl: 'http://localhost/form-waiting',
		currentNodeExecutionIndex: 0,
	} as unknown as IWorkflowExecuteAdditionalData;
	let database: IDataObject = structuredClone(request.staticData ?? {});
	const saveStaticData = () => {
		if (workflow.staticData.__dataChanged !== true) return;
		database = withoutMarker(workflow.staticData);
		workflow.staticData.__dataChanged = false;
	};
	const executions: INodeExecutionData[][] = [];
	const errors: Error[] = [];
	const emit = (data: INodeExecutionData[][]) => {
		// TriggerExecutionContextFactory.emit: `void this.workflowStaticDataService.saveStaticData(workflow)` first
		saveStaticData();
		executions.push(data[0]);
	};
	const context = new TriggerContext(workflow, node, additionalData, 'trigger', 'activate', emit, (error: Error) => void errors.push(error));
	const trigger = new request.nodeType().trigger;
	if (!trigger) throw new Error(`${node.type} has no trigger function`);
	const response = await trigger.call(context);
	if (!response) throw new Error(`${node.type} returned no trigger response`);
	// WorkflowTriggerActivator saves static data once more after activation
	saveStaticData();
	return { executions, errors, saved: () => database, live: () => withoutMarker(workflow.staticData), response };
}
