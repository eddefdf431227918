// Copies node and credential icons (light and dark SVG variants) and the nodes' codex files (*.node.json)
// next to the compiled files in dist/,
// where n8n resolves `icon: { light: 'file:x.svg', dark: 'file:x.dark.svg' }` relative to the .js file.
const { src, dest } = require('gulp');

function buildIcons() {
	return src(['nodes/**/*.svg', 'credentials/**/*.svg', 'nodes/**/*.node.json'], { base: '.' }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
