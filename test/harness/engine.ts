/**
 * Runs workflow JSON containing our nodes inside n8n-core's real engine (WorkflowExecute), in-process,
 * with credentials injected. Modelled on n8n's own node test harness; what it leaves out (task runners,
 * sub-workflows, webhooks) our nodes do not use.
 */
import 'reflect-metadata';
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type IConnections,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IVersionedNodeType,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

/** Node classes by the type name used in the workflow JSON. */
export type NodeClasses = Record<string, new () => INodeType | IVersionedNodeType>;

/** The part of an n8n workflow export the engine needs. */
export interface WorkflowJson {
	nodes: INode[];
	connections: IConnections;
}

function nodeTypesOf(classes: NodeClasses): INodeTypes {
	const cache = new Map<string, INodeType | IVersionedNodeType>();
	const get = (type: string) => {
		const Class = classes[type];
		if (!Class) throw new Error(`Unknown node type "${type}" in test workflow`);
		if (!cache.has(type)) cache.set(type, new Class());
		return cache.get(type) as INodeType | IVersionedNodeType;
	};
	return {
		getByName: (type) => get(type),
		getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(get(type), version),
		getKnownTypes: () => ({}),
	};
}

/**
 * Serves the credentials given to the test, by type name (as n8n's helper does after decryption), and
 * keeps what n8n writes back: a refreshed OAuth2 token lands in the same object, as in n8n's database,
 * so the test sees it and the next read returns it.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}
	getParentTypes() {
		return [];
	}
	isCredentialUsableByNode() {
		return true;
	}
	async authenticate(): Promise<never> {
		throw new Error('our nodes do not make HTTP requests with credentials');
	}
	async preAuthentication() {
		return undefined;
	}
	async runPreAuthentication() {
		return undefined;
	}
	async getCredentials(): Promise<never> {
		throw new Error('getCredentials is not used by the test harness');
	}
	async getDecrypted(_additionalData: unknown, _nodeCredentials: unknown, type: string) {
		const found = this.credentials[type];
		if (!found) throw new Error(`No test credentials for ${type}`);
		return found;
	}
	async updateCredentials() {}
	async updateCredentialsOauthTokenData(_nodeCredentials: unknown, type: string, data: ICredentialDataDecryptedObject) {
		const stored = this.credentials[type];
		if (stored) stored.oauthTokenData = data.oauthTokenData;
	}
	getCredentialsProperties() {
		return [];
	}
}

/** Options of one engine run. */
export interface RunOptions {
	workflow: WorkflowJson;
	nodeClasses: NodeClasses;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Items handed to the start node (as if a trigger had emitted them). */
	input?: INodeExecutionData[];
	/**
	 * n8n's execution mode: `manual` (the default) is a run from the editor, `trigger` a production run
	 * started by an active trigger such as the Schedule Trigger.
	 */
	mode?: WorkflowExecuteMode;
	/** Called once the execution started, with what stopping it from the editor does (n8n's cancel). */
	onStart?: (execution: { cancel(): void }) => void;
}

/** What a run produced. */
export interface RunResult {
	run: IRun;
	/** Output items of each node's first output, by node name (last run of that node). */
	output(nodeName: string): INodeExecutionData[];
	/** Error of the run, if the workflow failed. */
	error: Error | undefined;
}

/** Runs a workflow to completion in the real engine. */
export async function runWorkflow(options: RunOptions): Promise<RunResult> {
	const { workflow: json, nodeClasses, credentials = {}, input = [{ json: {} }], mode = 'manual' } = options;
	const workflow = new Workflow({
		id: 'test-workflow',
		nodes: json.nodes,
		connections: json.connections,
		nodeTypes: nodeTypesOf(nodeClasses),
		active: false,
	});
	const hooks = new ExecutionLifecycleHooks(mode, 'test-execution', { id: 'test-workflow', nodes: json.nodes, connections: json.connections, name: 'test', active: false, isArchived: false, createdAt: new Date(), updatedAt: new Date(), activeVersionId: null });
	const finished = new Promise<IRun>((resolve) => hooks.addHandler('workflowExecuteAfter', (run) => resolve(run)));

	// The engine only touches these fields for the nodes we run; the rest of the interface
	// (webhooks, task runners, sub-workflows) is unused, so a partial object cast once is safe here.
	const additionalData = {
		hooks,
		credentialsHelper: new TestCredentialsHelper(credentials),
		executionId: 'test-execution',
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://localhost/rest',
		instanceBaseUrl: 'http://localhost/',
		formBaseUrl: 'http://localhost/form',
		formWaitingBaseUrl: 'http://localhost/form-waiting',
		formTestBaseUrl: 'http://localhost/form-test',
		webhookBaseUrl: 'http://localhost/webhook',
		webhookWaitingBaseUrl: 'http://localhost/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost/webhook-test',
		mcpBaseUrl: 'http://localhost/mcp',
		mcpTestBaseUrl: 'http://localhost/mcp-test',
		variables: {},
		userId: 'test-user',
		setExecutionStatus: () => undefined,
		sendDataToUI: () => undefined,
		executeWorkflow: async () => {
			throw new Error('sub-workflows are not supported by the test harness');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('task runners are not available in the test harness');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	const startNode = workflow.getStartNode();
	if (!startNode) throw new Error('test workflow has no start node');
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [input] }, source: null }],
		},
	});
	const execute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const running = execute.processRunExecutionData(workflow);
	options.onStart?.({ cancel: () => running.cancel() });
	// after a cancel this settles only when the node's execute() has returned
	await running;
	const run = await finished;
	return {
		run,
		error: run.data.resultData.error,
		output(nodeName) {
			const runs = run.data.resultData.runData[nodeName];
			if (!runs?.length) throw new Error(`node "${nodeName}" did not run`);
			return runs[runs.length - 1].data?.main?.[0] ?? [];
		},
	};
}
