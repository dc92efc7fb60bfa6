import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  PROVIDERS,
  renderSchemaVariant,
  renderSchemaVariants,
  SOURCE,
  variantPath,
} from '../../scripts/schema-variants.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFile(join(ROOT, path), 'utf8');

describe('the provider schemas generated from prisma/schema.prisma', () => {
  it('are committed exactly as scripts/schema-variants.mjs writes them now (run npm run generate)', async () => {
    const source = await read(SOURCE);
    const variants = renderSchemaVariants(source);
    expect(Object.keys(variants)).toEqual(PROVIDERS.map(variantPath));
    for (const [path, text] of Object.entries(variants)) expect(await read(path), path).toBe(text);
  });

  it('say on their first line that they are generated, and name their own provider and client', async () => {
    const source = await read(SOURCE);
    for (const provider of PROVIDERS) {
      const text = renderSchemaVariant(source, provider);
      expect(text.split('\n')[0]).toMatch(
        /^\/\/ GENERATED from prisma\/schema\.prisma by scripts\/schema-variants\.mjs: do not edit\./,
      );
      expect(text).toMatch(new RegExp(`datasource db \\{\\s*provider = "${provider}"\\s*\\}`));
      expect(text).toContain(`output       = "../../src/generated/${provider}"`);
      expect(text).not.toContain('{{');
      // The models are the source's, untouched: everything from the first model on is the same text.
      expect(text.slice(text.indexOf('\nmodel '))).toBe(source.slice(source.indexOf('\nmodel ')));
    }
  });

  it('refuse a source that would give both providers the same datasource, or an unknown placeholder', () => {
    const ok =
      'generator client {\n  output = "x/{{provider}}"\n}\n\ndatasource db {\n  provider = "{{provider}}"\n}\n';
    expect(renderSchemaVariant(ok, 'postgresql')).toContain('provider = "postgresql"');
    expect(() => renderSchemaVariant(ok.replace('"{{provider}}"\n}', '"sqlite"\n}'), 'postgresql')).toThrow(
      /datasource block must say provider = "\{\{provider\}\}"/,
    );
    expect(() => renderSchemaVariant(`${ok}// {{url}}\n`, 'sqlite')).toThrow(
      /unknown placeholder \{\{url\}\}/,
    );
    expect(() => renderSchemaVariant(ok, 'mysql' as never)).toThrow(/unknown provider "mysql"/);
  });
});
