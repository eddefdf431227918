/**
 * The published package, installed like a community node into a real n8n 2.41 server: its nodes
 * and credential are registered, and the credential test the editor runs on "Save" logs into the
 * real SMTP and IMAP servers.
 */
import { credentialFor } from '../test/helpers/mailstack';
import type { N8nServer } from './lib/n8n-server';
import { TYPES } from './lib/package-tarball';
import { sharedServer } from './lib/shared-server';

interface NodeTypeDescription {
	name: string;
	displayName: string;
	version: number | number[];
	credentials?: Array<{ name: string; testedBy?: string }>;
	group?: string[];
}
interface CredentialTypeDescription {
	name: string;
	displayName: string;
	properties: Array<{ name: string }>;
}

let server: N8nServer;

beforeAll(async () => {
	server = await sharedServer();
});

/** The editor loads every node type description from this file at start-up. */
async function editorNodeTypes(): Promise<NodeTypeDescription[]> {
	const res = await fetch(`${server.baseUrl}/types/nodes.json`, { headers: { cookie: await server.login() } });
	expect(res.status).toBe(200);
	return (await res.json()) as NodeTypeDescription[];
}

describe('package loaded into n8n', () => {
	it('registers SMTP Sequence and IMAP Reply Trigger as community node types', async () => {
		const all = await editorNodeTypes();
		const ours = all.filter((n) => n.name.startsWith('n8n-nodes-smtp-sequence.'));
		const names = ours.map((n) => n.name);
		expect(names).toEqual(expect.arrayContaining([TYPES.smtpSequence, TYPES.imapReplyTrigger]));
		// n8n adds "<name>Tool", the AI-agent variant, for nodes declared `usableAsTool`; nothing else.
		expect(names.filter((n) => n !== TYPES.smtpSequence && n !== TYPES.imapReplyTrigger)).toEqual(
			names.includes(`${TYPES.smtpSequence}Tool`) ? [`${TYPES.smtpSequence}Tool`] : [],
		);
		for (const node of ours) {
			expect(node.credentials?.map((c) => c.name)).toContain(TYPES.credential);
		}
		expect(ours.find((n) => n.name === TYPES.imapReplyTrigger)?.group).toContain('trigger');
	});

	it('serves the full description through POST /rest/node-types, as the editor does when a node is opened', async () => {
		const all = await editorNodeTypes();
		const infos = all
			.filter((n) => n.name === TYPES.smtpSequence || n.name === TYPES.imapReplyTrigger)
			.map((n) => ({ name: n.name, version: Array.isArray(n.version) ? Math.max(...n.version) : n.version }));
		const described = await server.rest<NodeTypeDescription[]>('POST', '/rest/node-types', { nodeInfos: infos });
		// This endpoint answers with the description as the package declares it (name without the
		// package prefix); the editor keys it by the prefixed type it asked for.
		expect(described.map((d) => d.displayName).sort()).toEqual(['IMAP Reply Trigger', 'SMTP Sequence']);
		expect(described.every((d) => d.credentials?.some((c) => c.name === TYPES.credential))).toBe(true);
	});

	it('registers the Outreach Mailbox credential type', async () => {
		const res = await fetch(`${server.baseUrl}/types/credentials.json`, { headers: { cookie: await server.login() } });
		expect(res.status).toBe(200);
		const types = (await res.json()) as CredentialTypeDescription[];
		const ours = types.find((t) => t.name === TYPES.credential);
		expect(ours?.displayName).toBe('Outreach Mailbox');
		expect(ours?.properties.map((p) => p.name)).toEqual(
			expect.arrayContaining(['email', 'password', 'smtpHost', 'smtpPort', 'imapHost', 'imapPort']),
		);
	});
});

describe('credential test (POST /rest/credentials/test, the editor\'s "Save")', () => {
	it('passes for alice over SMTP 1465 implicit TLS + IMAP 1993 TLS, trusting the test CA', async () => {
		const result = await server.testCredential(TYPES.credential, credentialFor('alice', { smtp: 'tls', imap: 'tls' }));
		expect(result).toMatchObject({ status: 'OK' });
	});

	it('passes with "Allow Self-Signed Certificates" instead of the CA, against the servers with a self-signed certificate', async () => {
		const data = credentialFor('alice', { smtp: 'selfSignedTls', imap: 'selfSignedTls', trustCa: false, allowSelfSigned: true });
		const result = await server.testCredential(TYPES.credential, data);
		expect(result.status).toBe('OK');
	});

	it('fails with a readable message for a wrong password', async () => {
		const data = credentialFor('alice', { smtp: 'tls', imap: 'tls', password: 'wrong-password' });
		const result = await server.testCredential(TYPES.credential, data);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/auth|password|log ?in|credentials/i);
		expect(result.message).not.toMatch(/\[object Object\]|^\s*at |undefined/m);
		expect(result.message.length).toBeLessThan(1200);
	});

	it('fails with a readable message when the certificate cannot be verified', async () => {
		const data = credentialFor('alice', { smtp: 'tls', imap: 'tls', trustCa: false, allowSelfSigned: false });
		const result = await server.testCredential(TYPES.credential, data);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/certificate|self.signed|verify|TLS/i);
	});
});
