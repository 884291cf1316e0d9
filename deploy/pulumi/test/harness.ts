// Runs the program under Pulumi's mocks: every registered resource and every data-source call is recorded,
// data sources answer with a fake VPC, RDS cluster and instance.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import JSZip from "jszip";
import { parse } from "yaml";
import { EscEnvironment, validateEnvironments } from "./escSchema";
import { deployRotator, RotatorDeployment } from "../src/program";
import { deploySecretsManagerRotator, SecretsManagerDeployment } from "../src/secretsManager";
import { readSecretsManagerSettings, readSettings } from "../src/settings";

export const organization = "acme";
export const project = "esc-rotators";
export const stack = "dev";
export const account = "123456789012";
export const functionUrl = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws/";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}

export interface RecordedCall {
    token: string;
    inputs: Record<string, any>;
}

export interface FakeAccount {
    clusterEngine?: string;
    instanceEngine?: string;
    /** An OIDC provider that already exists for the issuer URL, or undefined for none. */
    existingOidcProvider?: { arn: string; clientIdLists: string[]; tags?: Record<string, string> };
    /** The account of the deploying credentials; default `account`. */
    callerAccount?: string;
    /** Existing VPC endpoints by id. */
    vpcEndpoints?: Record<string, {
        serviceName: string; vpcId: string; privateDnsEnabled: boolean; vpcEndpointType: string; securityGroupIds: string[];
    }>;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly calls: RecordedCall[] = [];

    constructor(private readonly account: FakeAccount = {}) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state: Record<string, any> = { ...args.inputs };
        switch (args.type) {
            case "aws:lambda/function:Function":
                state.name = `${args.name}-fn`;
                state.arn = `arn:aws:lambda:us-west-2:${account}:function:${args.name}-fn`;
                break;
            case "aws:lambda/functionUrl:FunctionUrl":
                state.functionUrl = functionUrl;
                break;
            case "aws:iam/role:Role":
                state.arn = `arn:aws:iam::${account}:role/${args.name}`;
                break;
            case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
                state.arn = `arn:aws:iam::${account}:oidc-provider/created-by-stack`;
                break;
            case "aws:cloudwatch/logGroup:LogGroup":
                state.arn = `arn:aws:logs:us-west-2:${account}:log-group:${args.inputs.name}`;
                break;
            case "aws:lambda/codeSigningConfig:CodeSigningConfig":
                state.arn = `arn:aws:lambda:us-west-2:${account}:code-signing-config:csc-0123`;
                break;
        }
        switch (args.type) {
            case "aws:ec2/vpcEndpoint:VpcEndpoint":
                state.arn = `arn:aws:ec2:us-west-2:${account}:vpc-endpoint/vpce-0created`;
                return { id: "vpce-0created", state };
        }
        const id = args.type === "aws:ec2/securityGroup:SecurityGroup"
            ? (args.name.endsWith("-sm-endpoint-sg") ? "sg-0endpoint" : "sg-0lambda")
            : `${args.name}-id`;
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.calls.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
            case "aws:rds/getCluster:getCluster":
                return {
                    clusterIdentifier: args.inputs.clusterIdentifier,
                    engine: this.account.clusterEngine ?? "aurora-postgresql",
                    endpoint: "orders.cluster-abc.us-west-2.rds.amazonaws.com",
                    port: 5432,
                    dbSubnetGroupName: "orders-subnets",
                    vpcSecurityGroupIds: ["sg-0cluster", "sg-0other"],
                    databaseName: "orders",
                };
            case "aws:rds/getInstance:getInstance":
                return {
                    dbInstanceIdentifier: args.inputs.dbInstanceIdentifier,
                    engine: this.account.instanceEngine ?? "mysql",
                    address: "billing.abc.us-west-2.rds.amazonaws.com",
                    endpoint: "billing.abc.us-west-2.rds.amazonaws.com:3306",
                    port: 3306,
                    dbSubnetGroup: "billing-subnets",
                    vpcSecurityGroups: ["sg-0instance"],
                };
            case "aws:rds/getSubnetGroup:getSubnetGroup":
                return { name: args.inputs.name, subnetIds: [`subnet-0${args.inputs.name}a`, `subnet-0${args.inputs.name}b`], vpcId: "vpc-0rds" };
            case "aws:ec2/getSubnet:getSubnet":
                return { id: args.inputs.id, vpcId: "vpc-0selfmanaged" };
            case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
                const existing = this.account.existingOidcProvider;
                if (existing === undefined) {
                    throw new Error("NoSuchEntity: OpenIDConnect provider not found");
                }
                return { ...existing, tags: existing.tags ?? {}, url: args.inputs.url, thumbprintLists: [] };
            }
            case "aws:index/getCallerIdentity:getCallerIdentity": {
                const caller = this.account.callerAccount ?? account;
                return { accountId: caller, arn: `arn:aws:iam::${caller}:user/deployer`, userId: "AIDA0", id: caller };
            }
            case "aws:ec2/getVpcEndpoint:getVpcEndpoint": {
                const existing = this.account.vpcEndpoints?.[args.inputs.id];
                if (existing === undefined) {
                    throw new Error(`InvalidVpcEndpointId.NotFound: ${args.inputs.id}`);
                }
                return { id: args.inputs.id, state: "available", ...existing };
            }
            default:
                throw new Error(`unexpected data-source call ${args.token}`);
        }
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter(r => r.type === type);
    }

    one(type: string): RecordedResource {
        const found = this.ofType(type);
        if (found.length !== 1) {
            throw new Error(`expected exactly one ${type}, found ${found.length}`);
        }
        return found[0];
    }
}

/** The settled value of an output, or its error (`apply` callbacks never run for a failed output). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** A zip laid out as scripts/package.sh writes it: one executable `bootstrap` at the root. */
export async function makeRotatorZip(dir: string): Promise<string> {
    const zip = new JSZip();
    zip.file("bootstrap", "#!/bin/sh\necho fake bootstrap\n", { unixPermissions: 0o755, date: new Date(Date.UTC(1980, 0, 1)) });
    const file = path.join(dir, "bootstrap.zip");
    fs.writeFileSync(file, await zip.generateAsync({ type: "nodebuffer", platform: "UNIX" }));
    return file;
}

const createdDirs: string[] = [];
process.on("exit", () => {
    for (const dir of createdDirs) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

/** A fresh directory, removed when the test process exits. */
export function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esc-rotators-deploy-test-"));
    createdDirs.push(dir);
    return dir;
}

/** The configuration of a typical stack; tests override keys. */
export function baseConfig(zipPath: string): Record<string, string> {
    return {
        engine: "postgres",
        rdsClusterIdentifier: "orders",
        dbName: "orders",
        rotatedSecretsEnvironmentName: "databases/orders",
        rotateUsers: JSON.stringify({ username1: "app_blue", username2: "app_green" }),
        rotatorZip: zipPath,
    };
}

export interface ProgramRun {
    mocks: RecordingMocks;
    deployment: RotatorDeployment;
    projectDir: string;
}

/** Declares the program with `config` and waits until every resource it declares is registered. */
export async function runProgram(
    config: Record<string, string | undefined>,
    account: FakeAccount = {},
    managingPassword?: string,
    preview = false,
): Promise<ProgramRun> {
    const mocks = new RecordingMocks(account);
    await pulumi.runtime.setMocks(mocks, project, stack, preview, organization);
    const projectDir = tempDir();
    const settings = readSettings({ get: key => config[key] }, organization, projectDir);
    const deployment = deployRotator(
        settings,
        { managingPassword: managingPassword === undefined ? undefined : pulumi.secret(managingPassword) },
        projectDir);
    await settle(deployment);
    // Every configuration a test declares must give environments that ESC's published schemas accept.
    const findings = validateEnvironments(await generatedEnvironments(mocks));
    if (findings.length > 0) {
        throw new Error(`ESC's published schemas refuse the generated environments: ${JSON.stringify(findings, null, 2)}`);
    }
    return { mocks, deployment, projectDir };
}

/** The ESC environments a run registered, parsed, named `<project>/<name>` as references name them. */
export async function generatedEnvironments(mocks: RecordingMocks): Promise<EscEnvironment[]> {
    return Promise.all(mocks.ofType("pulumiservice:index:Environment").map(async env => ({
        name: `${env.inputs.project}/${env.inputs.name}`,
        definition: parse(await assetText(env.inputs.yaml)),
    })));
}

async function settle(deployment: RotatorDeployment): Promise<void> {
    await valueOf(deployment.functionArn);
    await valueOf(deployment.invocationRoleArn);
    if (deployment.adapterUrl !== undefined) {
        await valueOf(deployment.adapterUrl);
    }
    await settleResources(deployment.resources);
}

/** Waits until every resource is registered; some are declared late (after a lookup), so until the list stops growing. */
async function settleResources(resources: pulumi.Resource[]): Promise<void> {
    let seen = -1;
    while (seen !== resources.length) {
        seen = resources.length;
        await Promise.all(resources.map(r => valueOf(r.urn)));
        await Promise.all(resources
            .filter((r): r is pulumi.CustomResource => pulumi.CustomResource.isInstance(r))
            .map(r => valueOf(r.id)));
    }
}

const secretSignature = "4dabf18193072939515e22adb298388d";

/** True when a recorded input arrived as a Pulumi secret. */
export function isSecret(value: any): boolean {
    return value !== null && typeof value === "object" && secretSignature in value;
}

/** A recorded input without its secret wrapper. */
export function unwrapSecret(value: any): any {
    return isSecret(value) ? value.value : value;
}

/** The text of a recorded StringAsset input (the mocks hand back deserialized assets). */
export async function assetText(recorded: any): Promise<string> {
    const value = unwrapSecret(recorded);
    if (typeof value === "string") {
        return value;
    }
    if (value && value.text !== undefined) {
        return await value.text;
    }
    throw new Error(`not a string asset: ${JSON.stringify(value)}`);
}

export const secretArn = (name: string, region = "us-west-2", owner = account) =>
    `arn:aws:secretsmanager:${region}:${owner}:secret:${name}-AbC123`;
export const kmsKeyArn = `arn:aws:kms:us-west-2:${account}:key/0123abcd-0123-4567-89ab-0123456789ab`;

/** A typical Secrets Manager mode stack: two secrets of one RDS cluster; tests override keys. */
export function secretsManagerConfig(zipPath: string): Record<string, string> {
    return {
        mode: "secretsManager",
        engine: "postgres",
        rdsClusterIdentifier: "orders",
        secretArns: JSON.stringify([secretArn("orders/app"), secretArn("orders/reporting")]),
        rotatorZip: zipPath,
    };
}

export interface SecretsManagerRun {
    mocks: RecordingMocks;
    deployment: SecretsManagerDeployment;
}

/** Declares the Secrets Manager mode with `config` in us-west-2 and waits until every resource is registered. */
export async function runSecretsManagerProgram(
    config: Record<string, string | undefined>,
    fake: FakeAccount = {},
): Promise<SecretsManagerRun> {
    const mocks = new RecordingMocks(fake);
    await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
    const projectDir = tempDir();
    const settings = readSecretsManagerSettings({ get: key => config[key] }, "us-west-2", projectDir);
    const deployment = deploySecretsManagerRotator(settings, projectDir);
    await valueOf(deployment.functionArn);
    await valueOf(deployment.secretsManagerEndpointId);
    await settleResources(deployment.resources);
    return { mocks, deployment };
}
