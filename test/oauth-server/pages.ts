/**
 * The two pages a person sees at the test authorization server: sign in, then allow access. Plain HTML
 * forms (no script), so a headless browser clicks through them exactly like a person would.
 */

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} · Test Mail Identity</title>
<style>
body { font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; }
main { max-width: 380px; margin: 64px auto; background: #fff; padding: 32px; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
h1 { font-size: 20px; margin-top: 0; }
label { display: block; margin: 12px 0 4px; font-size: 14px; }
input { width: 100%; box-sizing: border-box; padding: 8px; font-size: 14px; }
button { margin-top: 20px; padding: 10px 16px; font-size: 14px; background: #2563eb; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
.error { color: #b91c1c; font-size: 14px; }
ul { font-size: 14px; }
a { font-size: 14px; margin-left: 12px; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/** The sign-in form (mailbox address and its password). */
export function loginPage(uid: string, clientName: string, error?: string, email = ''): string {
	return page(
		'Sign in',
		`<h1>Sign in to continue to ${escapeHtml(clientName)}</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="email">Email address</label>
<input id="email" name="email" type="email" required value="${escapeHtml(email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit" id="sign-in">Sign in</button>
</form>`,
	);
}

/** The consent form: which application asks for which scopes. */
export function consentPage(uid: string, clientName: string, account: string, scopes: string[]): string {
	const items = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
	return page(
		'Allow access',
		`<h1>${escapeHtml(clientName)} wants to access ${escapeHtml(account)}</h1>
<p>It asks for:</p>
<ul>${items}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm">
<button type="submit" id="allow">Allow access</button>
<a href="/interaction/${escapeHtml(uid)}/abort" id="deny">Cancel</a>
</form>`,
	);
}
