// Types of scripts/schema-variants.mjs (plain JavaScript: it runs at `npm install`, before any build).
export declare const PROVIDERS: readonly ['sqlite', 'postgresql'];
export declare const PLACEHOLDER: '{{provider}}';
export declare const SOURCE: 'prisma/schema.prisma';
export declare function variantPath(provider: (typeof PROVIDERS)[number]): string;
export declare function renderSchemaVariant(source: string, provider: (typeof PROVIDERS)[number]): string;
export declare function renderSchemaVariants(source: string): Record<string, string>;
export declare function writeSchemaVariants(root?: string): Promise<string[]>;
