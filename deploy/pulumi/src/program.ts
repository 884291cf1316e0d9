// Declares every resource: the rotator Lambda in the database's VPC, its network and roles, the role Pulumi
// Cloud assumes to invoke it, and the ESC environments that drive the rotation.
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import {
    caBundleFileName,
    checkCodeInputs,
    ExtraFile,
    jwksFileName,
    lambdaTaskRoot,
    packageCode,
    rdsCaBundleFileName,
    rdsCaBundlePem,
} from "./code";
import { connectorRotatorYaml, DatabaseInput, externalRotatorYaml, managingCredsYaml } from "./escYaml";
import {
    escDefaultSubject,
    executionPermissions,
    PolicyStatement,
    invocationPermissions,
    invocationTrustPolicy,
    lambdaAssumeRolePolicy,
    oidcAudience,
    oidcIssuerUrl,
} from "./policies";
import { ResolvedNetwork, resolveNetwork } from "./network";
import { formatEnvironmentName, FunctionSettings, Settings } from "./settings";

export interface Secrets {
    /** The managing user's password, when given as secret stack configuration. */
    managingPassword?: pulumi.Output<string>;
}

export interface RotatorDeployment {
    functionArn: pulumi.Output<string>;
    invocationRoleArn: pulumi.Output<string>;
    managingCredsEnvironment: string;
    rotatedSecretsEnvironment: string;
    rotateCommand: string;
    dbHost: pulumi.Output<string>;
    dbPort: pulumi.Output<number>;
    adapterUrl?: pulumi.Output<string>;
    /** Every resource this program declared, for tests and `dependsOn`. */
    resources: pulumi.Resource[];
}

/** Tag that marks an OIDC provider as created (and therefore owned) by a stack of this program. */
export const oidcOwnerTag = "esc-rotators:owner";

/**
 * ESC writes rotation state into the rotator environment and users fill in the managing password; unless told
 * otherwise, later updates leave the definitions alone so neither is overwritten.
 */
export function environmentResourceOptions(provider: pulumi.ProviderResource, updateYaml: boolean): pulumi.CustomResourceOptions {
    return { provider, deleteBeforeReplace: true, ignoreChanges: updateYaml ? [] : ["yaml"] };
}

/** Files shipped next to `bootstrap`: the CA bundle (yours or Amazon RDS's) and the adapter's JWKS. */
function extraFilesFor(settings: Settings): ExtraFile[] {
    const files: ExtraFile[] = [];
    if (settings.caBundlePath !== undefined) {
        files.push({ name: caBundleFileName, sourcePath: settings.caBundlePath });
    } else if (settings.rdsCaBundle) {
        files.push({ name: rdsCaBundleFileName, content: rdsCaBundlePem() });
    }
    if (settings.adapter?.jwksPath !== undefined) {
        files.push({ name: jwksFileName, sourcePath: settings.adapter.jwksPath });
    }
    return files;
}

/**
 * What to do with an OIDC provider that already exists for the issuer: keep declaring it when this stack
 * created it (so an update does not delete it), otherwise reuse it if it admits every audience.
 */
export function chooseOidcProvider(
    existing: { clientIdLists: string[]; tags?: Record<string, string> },
    audiences: string[],
    stackId: string,
    issuerUrl: string,
): "own" | "reuse" {
    if (existing.tags?.[oidcOwnerTag] === stackId) {
        return "own";
    }
    const missing = audiences.filter(a => !existing.clientIdLists.includes(a));
    if (missing.length > 0) {
        throw new Error(
            `the OIDC provider for ${issuerUrl} exists in this account but does not list the audience ${missing.join(", ")}; add it to the provider's audiences (client IDs)`);
    }
    return "reuse";
}

/** What both modes declare for the function: its security group, log group, role and the function. */
export interface FunctionParts {
    fn: aws.lambda.Function;
    securityGroup: aws.ec2.SecurityGroup;
    network: ResolvedNetwork;
}

export interface FunctionOptions {
    description: string;
    roleDescription: string;
    /** Statements added to the execution role's logs and VPC permissions. */
    extraPermissions?: PolicyStatement[];
    variables: Record<string, pulumi.Input<string>>;
    extraFiles: ExtraFile[];
    securityGroupDescription?: string;
    /** Checks that resolve before any resource is registered; a failure stops the update with nothing created. */
    gate?: (network: ResolvedNetwork) => pulumi.Output<unknown>;
}

/** The function in the database's VPC with egress to the database port only; both modes start here. */
export function declareFunction(
    settings: FunctionSettings,
    options: FunctionOptions,
    projectDir: string,
    track: <T extends pulumi.Resource>(r: T) => T,
    tags: Record<string, string>,
    stackId: string,
): FunctionParts {
    const prefix = settings.namePrefix;
    // Each input that every resource depends on waits for the gate, so a failed check leaves nothing behind.
    const resolved = resolveNetwork(settings);
    const gate = options.gate?.(resolved);
    const gated = <T>(value: pulumi.Input<T>): pulumi.Input<T> => gate === undefined
        ? value
        : pulumi.all([value, gate]).apply(([v]) => v as pulumi.Unwrap<T>) as pulumi.Input<T>;
    const network: ResolvedNetwork = { ...resolved, vpcId: pulumi.output(gated(resolved.vpcId)) };

    // The function's security group: its only egress is the database port on the database's security group
    // (plus HTTPS when the adapter fetches its signing keys itself, or to the Secrets Manager endpoint). Security
    // groups created through the AWS provider lose the default allow-all egress rule, and no inline rules are
    // declared here.
    const lambdaSecurityGroup = track(new aws.ec2.SecurityGroup(`${prefix}-sg`, {
        vpcId: network.vpcId,
        description: options.securityGroupDescription ?? "ESC rotator Lambda: egress to the database port only",
        revokeRulesOnDelete: true,
        tags,
    }));
    track(new aws.vpc.SecurityGroupEgressRule(`${prefix}-to-db`, {
        securityGroupId: lambdaSecurityGroup.id,
        description: "Rotator to database",
        ipProtocol: "tcp",
        fromPort: network.port,
        toPort: network.port,
        referencedSecurityGroupId: network.dbSecurityGroupId,
    }));
    track(new aws.vpc.SecurityGroupIngressRule(`${prefix}-db-from-rotator`, {
        securityGroupId: network.dbSecurityGroupId,
        description: "Database from the ESC rotator Lambda",
        ipProtocol: "tcp",
        fromPort: network.port,
        toPort: network.port,
        referencedSecurityGroupId: lambdaSecurityGroup.id,
    }));

    const logGroup = track(new aws.cloudwatch.LogGroup(`${prefix}-logs`, {
        name: gated(`/esc-rotators/${stackId}`),
        retentionInDays: settings.logRetentionDays,
        tags,
    }));
    const executionRole = track(new aws.iam.Role(`${prefix}-exec`, {
        description: options.roleDescription,
        assumeRolePolicy: gated(JSON.stringify(lambdaAssumeRolePolicy())),
        tags,
    }));
    const executionPolicy = track(new aws.iam.RolePolicy(`${prefix}-exec`, {
        role: executionRole.id,
        policy: logGroup.arn.apply(arn => {
            const policy = executionPermissions(arn);
            policy.Statement.push(...(options.extraPermissions ?? []));
            return JSON.stringify(policy);
        }),
    }));

    let codeSigningConfigArn: pulumi.Output<string> | undefined;
    if (settings.signingProfileVersionArn !== undefined) {
        const codeSigning = track(new aws.lambda.CodeSigningConfig(`${prefix}-signing`, {
            description: gated("Only code signed by the configured AWS Signer profile may be deployed"),
            allowedPublishers: { signingProfileVersionArns: [settings.signingProfileVersionArn] },
            policies: { untrustedArtifactOnDeployment: "Enforce" },
        }));
        codeSigningConfigArn = codeSigning.arn;
    }

    const variables: Record<string, pulumi.Input<string>> = { ESC_ROTATOR_TLS_MODE: settings.tlsMode };
    if (settings.caBundlePath !== undefined) {
        variables.ESC_ROTATOR_CA_BUNDLE = `${lambdaTaskRoot}/${caBundleFileName}`;
    } else if (settings.rdsCaBundle) {
        variables.ESC_ROTATOR_CA_BUNDLE = `${lambdaTaskRoot}/${rdsCaBundleFileName}`;
    }
    Object.assign(variables, options.variables);
    const codePath = packageCode(settings.rotatorZip, options.extraFiles, path.join(projectDir, ".build"));

    const fn = track(new aws.lambda.Function(`${prefix}`, {
        description: options.description,
        runtime: "provided.al2023",
        handler: "bootstrap",
        architectures: [settings.architecture],
        code: codePath.then(p => new pulumi.asset.FileArchive(p)),
        codeSigningConfigArn,
        role: executionRole.arn,
        timeout: settings.timeoutSeconds,
        memorySize: settings.memorySizeMb,
        vpcConfig: {
            subnetIds: network.subnetIds,
            securityGroupIds: [lambdaSecurityGroup.id],
        },
        loggingConfig: {
            logFormat: "JSON",
            logGroup: logGroup.name,
            applicationLogLevel: "INFO",
            systemLogLevel: "WARN",
        },
        environment: { variables },
        tags,
    }, { dependsOn: [executionPolicy, logGroup] }));
    return { fn, securityGroup: lambdaSecurityGroup, network };
}

/** What both modes' programs start from: a list of the resources they declare, and the tags that name the stack. */
export function deploymentScope(): {
    resources: pulumi.Resource[];
    track: <T extends pulumi.Resource>(r: T) => T;
    stackId: string;
    tags: Record<string, string>;
} {
    const resources: pulumi.Resource[] = [];
    const track = <T extends pulumi.Resource>(r: T): T => {
        resources.push(r);
        return r;
    };
    const stackId = `${pulumi.getProject()}/${pulumi.getStack()}`;
    return { resources, track, stackId, tags: { "esc-rotators:stack": stackId } };
}

export function deployRotator(settings: Settings, secrets: Secrets, projectDir: string): RotatorDeployment {
    // Missing files stop the program here, before any resource is declared.
    const extraFiles = extraFilesFor(settings);
    checkCodeInputs(settings.rotatorZip, extraFiles);

    const prefix = settings.namePrefix;
    const { resources, track, stackId, tags } = deploymentScope();

    const variables: Record<string, pulumi.Input<string>> = {};
    if (settings.adapter !== undefined) {
        if (settings.adapter.jwksPath !== undefined) {
            variables.ESC_ROTATOR_JWKS_FILE = `${lambdaTaskRoot}/${jwksFileName}`;
        }
        if (settings.adapter.url !== undefined) {
            variables.ESC_ROTATOR_AUDIENCE = settings.adapter.url;
        }
        // Only the rotator environment this program writes may call the adapter.
        variables.ESC_ROTATOR_ALLOWED_SUBJECTS = escDefaultSubject(settings.organization, settings.rotatedSecretsEnvironment);
        if (settings.backendUrl !== "https://api.pulumi.com") {
            variables.ESC_ROTATOR_ISSUERS = `${settings.backendUrl},${oidcIssuerUrl(settings.backendUrl)}`;
            if (settings.adapter.jwksPath === undefined) {
                variables.ESC_ROTATOR_JWKS_URL = `${oidcIssuerUrl(settings.backendUrl)}/.well-known/jwks`;
            }
        }
    }
    const { fn, securityGroup: lambdaSecurityGroup, network } = declareFunction(settings, {
        description: "Pulumi ESC database credential rotator (EscRotators)",
        roleDescription: "ESC rotator Lambda execution role: own logs and VPC interfaces only",
        variables,
        extraFiles,
    }, projectDir, track, tags, stackId);
    if (settings.adapter?.jwksEgress) {
        track(new aws.vpc.SecurityGroupEgressRule(`${prefix}-to-jwks`, {
            securityGroupId: lambdaSecurityGroup.id,
            description: "Rotator adapter to the OIDC signing keys (HTTPS)",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrIpv4: "0.0.0.0/0",
        }));
    }

    // Pulumi Cloud's OIDC provider: reuse one that exists in the account unless this program created it.
    const issuerUrl = oidcIssuerUrl(settings.backendUrl);
    // The audience is `<org>` instead of `aws:<org>` for the legacy `default` project; with one environment there
    // and one elsewhere both are admitted. Either names only this organization: the subject is what narrows the
    // trust to the login's environment.
    const audiences = [...new Set([settings.managingCredsEnvironment, settings.rotatedSecretsEnvironment]
        .map(e => oidcAudience(settings.organization, e)))];
    const providerArn = pulumi.output(
        aws.iam.getOpenIdConnectProvider({ url: issuerUrl }).then(
            existing => chooseOidcProvider(existing, audiences, stackId, issuerUrl) === "own"
                ? createOidcProvider().arn
                : pulumi.output(existing.arn),
            () => createOidcProvider().arn,
        ));
    function createOidcProvider(): aws.iam.OpenIdConnectProvider {
        // Retained on delete: other stacks in the account may have started to rely on it.
        return track(new aws.iam.OpenIdConnectProvider(`${prefix}-oidc`, {
            url: issuerUrl,
            clientIdLists: audiences,
            tags: { ...tags, [oidcOwnerTag]: stackId },
        }, { retainOnDelete: true }));
    }

    const invocationRole = track(new aws.iam.Role(`${prefix}-invoke`, {
        description: `Pulumi ESC (the aws-login of ${formatEnvironmentName(settings.managingCredsEnvironment)}) invokes the rotator Lambda`,
        assumeRolePolicy: providerArn.apply(arn => JSON.stringify(
            invocationTrustPolicy(arn, settings.backendUrl, settings.organization, settings.managingCredsEnvironment, audiences))),
        maxSessionDuration: 3600,
        tags,
    }));
    track(new aws.iam.RolePolicy(`${prefix}-invoke`, {
        role: invocationRole.id,
        policy: fn.arn.apply(arn => JSON.stringify(invocationPermissions(arn))),
    }));

    let adapterUrl: pulumi.Output<string> | undefined;
    if (settings.adapter !== undefined) {
        // The URL is created after the function, so the function cannot be given its own URL in the same
        // update: the first `pulumi up` prints it, `pulumi config set adapterUrl <url>` and a second
        // `pulumi up` put it into ESC_ROTATOR_AUDIENCE. Until then the adapter answers no request.
        const url = track(new aws.lambda.FunctionUrl(`${prefix}-url`, {
            functionName: fn.name,
            authorizationType: "NONE",
            invokeMode: "BUFFERED",
        }));
        // A public function URL needs both statements in the function's resource policy.
        track(new aws.lambda.Permission(`${prefix}-url-invoke-url`, {
            function: fn.name,
            action: "lambda:InvokeFunctionUrl",
            principal: "*",
            functionUrlAuthType: "NONE",
        }));
        track(new aws.lambda.Permission(`${prefix}-url-invoke`, {
            function: fn.name,
            action: "lambda:InvokeFunction",
            principal: "*",
            invokedViaFunctionUrl: true,
        }));
        const configured = settings.adapter.url;
        adapterUrl = url.functionUrl.apply(actual => {
            if (configured !== undefined && configured !== actual) {
                throw new Error(`adapterUrl is ${configured} but this stack's function URL is ${actual}: run \`pulumi config set adapterUrl ${actual}\` and \`pulumi up\` again`);
            }
            if (configured === undefined) {
                pulumi.log.warn(`The adapter is not yet configured with its own URL. Run \`pulumi config set adapterUrl ${actual}\` and \`pulumi up\` once more.`);
            }
            return actual;
        });
    }

    const servicesProvider = track(new pulumiservice.Provider(`${prefix}-pulumi-cloud`, { apiUrl: settings.backendUrl }));
    const environmentOptions = environmentResourceOptions(servicesProvider, settings.updateEnvironmentYaml);

    const managingYaml = pulumi.all([invocationRole.arn, secrets.managingPassword]).apply(([roleArn, password]) =>
        managingCredsYaml({ managingUsername: settings.managingUsername, managingPassword: password, roleArn }));
    const managingEnvironment = track(new pulumiservice.Environment(`${prefix}-managing-creds`, {
        organization: settings.organization,
        project: settings.managingCredsEnvironment.project,
        name: settings.managingCredsEnvironment.name,
        yaml: (secrets.managingPassword !== undefined ? pulumi.secret(managingYaml) : managingYaml)
            .apply(text => new pulumi.asset.StringAsset(text)),
    }, environmentOptions));

    const database = (host: string, port: number): DatabaseInput => ({
        engine: settings.engine,
        host,
        port,
        dbName: settings.dbName,
        rotateUsers: settings.rotateUsers,
    });
    const rotatorYaml = adapterUrl !== undefined
        ? pulumi.all([network.host, network.port, adapterUrl]).apply(([host, port, url]) =>
            externalRotatorYaml(database(host, port), settings.managingCredsEnvironment, url))
        : pulumi.all([network.host, network.port, fn.arn]).apply(([host, port, arn]) =>
            connectorRotatorYaml(database(host, port), settings.managingCredsEnvironment, arn));
    const rotatorEnvironment = track(new pulumiservice.Environment(`${prefix}-rotator`, {
        organization: settings.organization,
        project: settings.rotatedSecretsEnvironment.project,
        name: settings.rotatedSecretsEnvironment.name,
        yaml: rotatorYaml.apply(text => new pulumi.asset.StringAsset(text)),
    }, { ...environmentOptions, dependsOn: [managingEnvironment] }));

    if (settings.rotationSchedule !== undefined) {
        track(new pulumiservice.EnvironmentRotationSchedule(`${prefix}-schedule`, {
            organization: settings.organization,
            project: settings.rotatedSecretsEnvironment.project,
            environment: settings.rotatedSecretsEnvironment.name,
            scheduleCron: settings.rotationSchedule,
        }, { provider: servicesProvider, dependsOn: [rotatorEnvironment] }));
    }

    const rotatedName = formatEnvironmentName(settings.rotatedSecretsEnvironment);
    return {
        functionArn: fn.arn,
        invocationRoleArn: invocationRole.arn,
        managingCredsEnvironment: formatEnvironmentName(settings.managingCredsEnvironment),
        rotatedSecretsEnvironment: rotatedName,
        rotateCommand: `pulumi env rotate ${settings.organization}/${rotatedName}`,
        dbHost: network.host,
        dbPort: network.port,
        adapterUrl,
        resources,
    };
}
