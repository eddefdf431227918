// Copies node and credential icons (light and dark SVG variants), the nodes' codex files (*.node.json) and
// the report chart's font with its licence next to the compiled files in dist/,
// where n8n resolves `icon: { light: 'file:x.svg', dark: 'file:x.dark.svg' }` relative to the .js file.
const { src, dest } = require('gulp');

function buildIcons() {
	return src(['nodes/**/*.svg', 'credentials/**/*.svg', 'nodes/**/*.node.json', 'chart/fonts/*'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
