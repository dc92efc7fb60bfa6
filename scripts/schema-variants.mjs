#!/usr/bin/env node
// Writes the provider variants of the one hand-written Prisma schema: prisma/schema.prisma becomes
// prisma/sqlite/schema.prisma and prisma/postgresql/schema.prisma. A Prisma schema names one provider, so each
// variant is the source with its leading comment block replaced by a generated-file header and every
// {{provider}} replaced by the provider's name. Run first by scripts/generate-client.mjs (`npm install`,
// `npm run generate`); test/store/schema-variants.test.ts fails when a committed variant differs from what
// renderSchemaVariant gives now.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PROVIDERS = /** @type {const} */ (['sqlite', 'postgresql']);
export const PLACEHOLDER = '{{provider}}';
export const SOURCE = 'prisma/schema.prisma';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where a provider's variant lives, relative to the project root. */
export function variantPath(provider) {
  return `prisma/${provider}/schema.prisma`;
}

/**
 * The text of one provider's variant, from the source's text (pure). Refuses a source whose datasource does not
 * name its provider as {{provider}}, or that holds another {{...}} placeholder: a variant must never silently
 * keep one provider for both.
 */
export function renderSchemaVariant(source, provider) {
  if (!PROVIDERS.includes(provider))
    throw new Error(`unknown provider "${provider}" (${PROVIDERS.join(', ')})`);
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  let start = 0;
  while (start < lines.length && lines[start].startsWith('//')) start += 1;
  const body = lines.slice(start).join('\n');
  if (!/datasource\s+db\s*\{[^}]*\bprovider\s*=\s*"\{\{provider\}\}"/.test(body)) {
    throw new Error(`${SOURCE}: the datasource block must say provider = "${PLACEHOLDER}"`);
  }
  const stray = body.replaceAll(PLACEHOLDER, '').match(/\{\{[^}]*\}\}/);
  if (stray) throw new Error(`${SOURCE}: unknown placeholder ${stray[0]} (only ${PLACEHOLDER} is filled in)`);
  const header = [
    `// GENERATED from ${SOURCE} by scripts/schema-variants.mjs: do not edit. Edit ${SOURCE}, then \`npm run generate\`.`,
    `// KPI Bot store, ${provider} provider. Generated client: src/generated/${provider}.`,
  ];
  return `${header.join('\n')}\n${body.replaceAll(PLACEHOLDER, provider)}`;
}

/** Every provider's variant text, keyed by its path relative to the project root (pure). */
export function renderSchemaVariants(source) {
  return Object.fromEntries(PROVIDERS.map((p) => [variantPath(p), renderSchemaVariant(source, p)]));
}

/** Writes the variants that differ from what is on disk; returns the paths written (relative to `root`). */
export async function writeSchemaVariants(root = ROOT) {
  const source = await readFile(join(root, SOURCE), 'utf8');
  const written = [];
  for (const [path, text] of Object.entries(renderSchemaVariants(source))) {
    const file = join(root, path);
    if (existsSync(file) && (await readFile(file, 'utf8')) === text) continue;
    await writeFile(file, text);
    written.push(path);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const written = await writeSchemaVariants();
    for (const path of written) process.stdout.write(`kpi: wrote ${path} from ${SOURCE}\n`);
  } catch (error) {
    process.stderr.write(`kpi: ${error.message}\n`);
    process.exit(1);
  }
}
