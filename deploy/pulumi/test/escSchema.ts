// Checks ESC environment definitions against the input schemas ESC publishes for its built-ins
// (test/fixtures/esc-schemas.json), the way ESC's evaluator checks the argument of each call.
//
// What is validated: the whole argument of every `fn::open::aws-login` against `providers["aws-login"].inputs`, and
// of every `fn::rotate::<name>` against `rotators[<name>].inputs` (which describes `{inputs, state}`). Any other
// `fn::open::` / `fn::rotate::` call, or another built-in than `fn::secret`, is reported: it has no schema here.
//
// How values inside an argument are treated before validation, following ESC's evaluator:
// - `fn::secret: <string>` is that string: a secret changes how ESC stores and shows a value, not its type.
// - A string that is exactly one `${ref}` is the value `ref` refers to: a property of the same environment, or
//   `environments.<project>.<name>.<path>` of another environment in the set given. A reference that resolves to
//   nothing is a finding, as it is in ESC.
// - A reference to a `fn::open::` or `fn::rotate::` result is a value of that built-in's published `outputs`
//   schema with only its required properties (ESC knows the result only by that schema until it opens the
//   environment, and checks that the schema's required properties cover those the consumer requires).
// - A string with `${...}` inside other text is a string; its references must still resolve.
import * as fs from "fs";
import * as path from "path";
import Ajv, { CodeOptions, ErrorObject, ValidateFunction } from "ajv";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonSchema = { [key: string]: any };

export interface EscEnvironment {
    /** `<project>/<name>`, as references name it. */
    name: string;
    /** The parsed YAML definition. */
    definition: any;
}

export interface SchemaFinding {
    environment: string;
    /** Where the call is, e.g. `values.dbRotator.fn::rotate::mysql`. */
    at: string;
    /** The problems, as `<path in the argument> <message>` (Ajv's wording). */
    errors: string[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "esc-schemas.json"), "utf8"));

/** ESC compiles `pattern` with Go's RE2; the published patterns use RE2's `\x{HHHH}`, which is `\u{HHHH}` in JavaScript. */
const goRegExp: NonNullable<CodeOptions["regExp"]> = Object.assign(
    (pattern: string, flags: string) => new RegExp(pattern.replace(/\\x\{([0-9A-Fa-f]+)\}/g, "\\u{$1}"), flags || "u"),
    { code: "goRegExp" });

const ajv = new Ajv({ allErrors: true, strict: true, code: { regExp: goRegExp } });
// ESC's own annotation: inputs evaluated only when rotating. It restricts where values may flow, not their shape.
ajv.addKeyword({ keyword: "rotateOnly", schemaType: "array" });

interface Builtin {
    input: ValidateFunction;
    output: JsonSchema;
}

const builtins = new Map<string, Builtin>();
for (const [name, entry] of Object.entries<any>(fixture.providers)) {
    builtins.set(`fn::open::${name}`, { input: ajv.compile(entry.inputs), output: entry.outputs });
}
for (const [name, entry] of Object.entries<any>(fixture.rotators)) {
    builtins.set(`fn::rotate::${name}`, { input: ajv.compile(entry.inputs), output: entry.outputs });
}

/** The built-ins the fixture has schemas for. */
export const knownBuiltins = [...builtins.keys()].sort();

/** Every finding in every environment of the set; an empty list means ESC's schemas accept them all. */
export function validateEnvironments(environments: EscEnvironment[]): SchemaFinding[] {
    const resolver = new Resolver(environments);
    const findings: SchemaFinding[] = [];
    for (const env of environments) {
        visitCalls(env.definition?.values, "values", (name, argument, at) => {
            const builtin = builtins.get(name);
            if (builtin === undefined) {
                findings.push({ environment: env.name, at, errors: [`${name} has no published schema in the fixture`] });
                return;
            }
            let resolved: Json;
            try {
                resolved = resolver.resolve(env.name, argument);
            } catch (e) {
                findings.push({ environment: env.name, at, errors: [(e as Error).message] });
                return;
            }
            if (!builtin.input(resolved)) {
                findings.push({ environment: env.name, at, errors: (builtin.input.errors ?? []).map(describe) });
            }
        });
    }
    return findings;
}

function describe(error: ErrorObject): string {
    return `${error.instancePath || "/"} ${error.message ?? error.keyword}`;
}

function builtinName(value: any): string | undefined {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return undefined;
    }
    const keys = Object.keys(value);
    return keys.length === 1 && keys[0].startsWith("fn::") ? keys[0] : undefined;
}

/** Calls `visit` for every `fn::open::` / `fn::rotate::` call (and any other built-in but `fn::secret`). */
function visitCalls(value: any, at: string, visit: (name: string, argument: any, at: string) => void): void {
    const name = builtinName(value);
    if (name !== undefined && name !== "fn::secret") {
        visit(name, value[name], `${at}.${name}`);
        return;
    }
    if (Array.isArray(value)) {
        value.forEach((item, i) => visitCalls(item, `${at}[${i}]`, visit));
    } else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            visitCalls(item, `${at}.${key}`, visit);
        }
    }
}

/** A value of an `outputs` schema: its required properties, each a value of its own schema. */
function outputValue(schema: JsonSchema): Json {
    switch (schema.type) {
        case "object":
            return Object.fromEntries((schema.required ?? []).map((k: string) => [k, outputValue(schema.properties?.[k] ?? {})]));
        case "string":
            return "<known when ESC opens the environment>";
        case "number":
            return 0;
        case "boolean":
            return false;
        case "array":
            return [];
        default:
            return null;
    }
}

/** Parses `a.b["c-d"][0]` into its keys. */
function parsePath(text: string): (string | number)[] {
    const keys: (string | number)[] = [];
    const token = /\s*(?:\.?([A-Za-z_][A-Za-z0-9_]*)|\[\s*("(?:[^"\\]|\\.)*")\s*\]|\[\s*(\d+)\s*\])/y;
    let index = 0;
    while (index < text.length) {
        token.lastIndex = index;
        const m = token.exec(text);
        if (m === null) {
            throw new Error(`cannot parse the reference \${${text}}`);
        }
        keys.push(m[1] ?? (m[2] !== undefined ? JSON.parse(m[2]) as string : Number(m[3])));
        index = token.lastIndex;
    }
    return keys;
}

class Resolver {
    private readonly byName = new Map<string, any>();

    constructor(environments: EscEnvironment[]) {
        for (const env of environments) {
            this.byName.set(env.name, env.definition?.values ?? {});
        }
    }

    /** The value ESC sees for `value`, defined in environment `env`. */
    resolve(env: string, value: any, depth = 0): Json {
        if (depth > 32) {
            throw new Error("references nest too deeply (a cycle?)");
        }
        const name = builtinName(value);
        if (name === "fn::secret") {
            const secret = this.resolve(env, value[name], depth + 1);
            if (typeof secret !== "string") {
                throw new Error("fn::secret takes a string");
            }
            return secret;
        }
        if (name !== undefined) {
            const builtin = builtins.get(name);
            if (builtin === undefined) {
                throw new Error(`${name} has no published schema in the fixture`);
            }
            return outputValue(builtin.output);
        }
        if (typeof value === "string") {
            const whole = /^\$\{([^{}]+)\}$/.exec(value);
            if (whole !== null) {
                return this.lookup(env, whole[1], depth);
            }
            for (const m of value.matchAll(/\$\{([^{}]+)\}/g)) {
                this.lookup(env, m[1], depth);
            }
            return value;
        }
        if (Array.isArray(value)) {
            return value.map(item => this.resolve(env, item, depth + 1));
        }
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(env, v, depth + 1)]));
        }
        return value as Json;
    }

    private lookup(env: string, reference: string, depth: number): Json {
        let keys = parsePath(reference);
        let target = env;
        if (keys[0] === "environments") {
            if (keys.length < 4) {
                throw new Error(`\${${reference}} names no property of an environment`);
            }
            target = `${keys[1]}/${keys[2]}`;
            keys = keys.slice(3);
        }
        const values = this.byName.get(target);
        if (values === undefined) {
            throw new Error(`\${${reference}}: environment ${target} is not in the set`);
        }
        // Step by step, so only what the reference passes through is resolved, and a step into a built-in's
        // result reads its outputs.
        let current: any = values;
        for (const key of keys) {
            const container: any = this.resolveTop(target, current, depth + 1);
            const next = container !== null && typeof container === "object" ? container[key] : undefined;
            if (next === undefined) {
                throw new Error(`\${${reference}} resolves to nothing in ${target}`);
            }
            current = next;
        }
        return this.resolve(target, current, depth + 1);
    }

    /** `value` with a built-in call or a whole-string reference at its top replaced by what it yields. */
    private resolveTop(env: string, value: any, depth: number): any {
        const isReference = typeof value === "string" && /^\$\{([^{}]+)\}$/.test(value);
        return builtinName(value) !== undefined || isReference ? this.resolve(env, value, depth) : value;
    }
}
