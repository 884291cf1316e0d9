// The Secrets Manager mode: the same function as the rotation function of existing Secrets Manager secrets.
// Per secret a rotation schedule and a Lambda permission scoped to that secret; the execution role reaches
// those secrets only; HTTPS egress goes to a Secrets Manager interface endpoint and nowhere else.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { caBundleFileName, checkCodeInputs, ExtraFile, rdsCaBundleFileName, rdsCaBundlePem } from "./code";
import { ResolvedNetwork } from "./network";
import { secretsManagerPermissions } from "./policies";
import { declareFunction, deploymentScope } from "./program";
import { SecretsManagerSettings } from "./settings";

export interface SecretsManagerDeployment {
    functionArn: pulumi.Output<string>;
    /** The interface endpoint the function reaches Secrets Manager through (created or given). */
    secretsManagerEndpointId: pulumi.Output<string>;
    rotatedSecretArns: string[];
    /** Every resource this program declared, for tests and `dependsOn`. */
    resources: pulumi.Resource[];
}

/** The interface endpoint service of Secrets Manager in a region. */
export function secretsManagerEndpointService(region: string): string {
    return `com.amazonaws.${region}.secretsmanager`;
}

/** Fails unless the credentials' account is the secrets' account (Secrets Manager's sourceAccount). */
export function checkAccount(callerAccount: string, secretsAccount: string): void {
    if (callerAccount !== secretsAccount) {
        throw new Error(
            `secretArns are in account ${secretsAccount} but this stack deploys with credentials of account ${callerAccount}: deploy the rotation function in the secrets' account`);
    }
}

/** What an existing endpoint must be for the function to reach Secrets Manager through it by its regional name. */
export function checkEndpoint(
    endpoint: { id: string; serviceName: string; vpcId: string; privateDnsEnabled: boolean; vpcEndpointType: string; securityGroupIds: string[] },
    region: string,
    vpcId: string,
): string {
    const what = `secretsManagerEndpointId ${endpoint.id}`;
    if (endpoint.vpcEndpointType !== "Interface" || endpoint.serviceName !== secretsManagerEndpointService(region)) {
        throw new Error(`${what} is a ${endpoint.vpcEndpointType} endpoint for ${endpoint.serviceName}, not the ${secretsManagerEndpointService(region)} interface endpoint`);
    }
    if (endpoint.vpcId !== vpcId) {
        throw new Error(`${what} is in ${endpoint.vpcId} but the function runs in ${vpcId}: give the endpoint of the function's VPC, or let the program create one`);
    }
    if (!endpoint.privateDnsEnabled) {
        throw new Error(`${what} has private DNS off, so the function would resolve Secrets Manager's public name: turn private DNS on for the endpoint`);
    }
    if (endpoint.securityGroupIds.length === 0) {
        throw new Error(`${what} has no security group: the function's HTTPS access is granted through one`);
    }
    return endpoint.securityGroupIds[0];
}

/** The CA bundle shipped next to `bootstrap` (yours or Amazon RDS's); the adapter's JWKS has no use here. */
function extraFilesFor(settings: SecretsManagerSettings): ExtraFile[] {
    if (settings.caBundlePath !== undefined) {
        return [{ name: caBundleFileName, sourcePath: settings.caBundlePath }];
    }
    return settings.rdsCaBundle ? [{ name: rdsCaBundleFileName, content: rdsCaBundlePem() }] : [];
}

export function deploySecretsManagerRotator(settings: SecretsManagerSettings, projectDir: string): SecretsManagerDeployment {
    // Missing files stop the program here, before any resource is declared.
    const extraFiles = extraFilesFor(settings);
    checkCodeInputs(settings.rotatorZip, extraFiles);

    const prefix = settings.namePrefix;
    const { resources, track, stackId, tags } = deploymentScope();

    // Checks only the cloud can answer run before any resource: the credentials' account, and an existing
    // endpoint's service, VPC and private DNS.
    let endpointSecurityGroupId: pulumi.Output<string> | undefined;
    const gate = (network: ResolvedNetwork): pulumi.Output<unknown> => {
        const account = aws.getCallerIdentityOutput({}).accountId.apply(id => {
            checkAccount(id, settings.account);
            return id;
        });
        if (settings.endpoint.create) {
            return account;
        }
        const endpoint = aws.ec2.getVpcEndpointOutput({ id: settings.endpoint.id });
        endpointSecurityGroupId = pulumi.all([endpoint, network.vpcId]).apply(([e, vpcId]) => checkEndpoint(e, settings.region, vpcId));
        return pulumi.all([account, endpointSecurityGroupId]);
    };

    const { fn, securityGroup, network } = declareFunction(settings, {
        description: "AWS Secrets Manager rotation function (EscRotators)",
        roleDescription: "Secrets Manager rotation function execution role: own logs, VPC interfaces and the configured secrets only",
        securityGroupDescription: "Secrets Manager rotation Lambda: egress to the database port and the Secrets Manager endpoint only",
        extraPermissions: secretsManagerPermissions(settings),
        variables: {},
        extraFiles,
        gate,
    }, projectDir, track, tags, stackId);

    // HTTPS to Secrets Manager through the interface endpoint only: its security group admits the function's.
    let endpointId: pulumi.Output<string>;
    const networkReady: pulumi.Resource[] = [];
    if (settings.endpoint.create) {
        const endpointSecurityGroup = track(new aws.ec2.SecurityGroup(`${prefix}-sm-endpoint-sg`, {
            vpcId: network.vpcId,
            description: "Secrets Manager endpoint: HTTPS from the rotation Lambda only",
            revokeRulesOnDelete: true,
            tags,
        }));
        endpointSecurityGroupId = endpointSecurityGroup.id;
        const endpoint = track(new aws.ec2.VpcEndpoint(`${prefix}-sm-endpoint`, {
            vpcId: network.vpcId,
            serviceName: secretsManagerEndpointService(settings.region),
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: network.subnetIds,
            securityGroupIds: [endpointSecurityGroup.id],
            tags,
        }));
        networkReady.push(endpoint);
        endpointId = endpoint.id;
    } else {
        endpointId = pulumi.output(settings.endpoint.id);
    }
    const endpointGroup = endpointSecurityGroupId!;
    networkReady.push(track(new aws.vpc.SecurityGroupEgressRule(`${prefix}-to-secretsmanager`, {
        securityGroupId: securityGroup.id,
        description: "Rotator to the Secrets Manager endpoint (HTTPS)",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        referencedSecurityGroupId: endpointGroup,
    })));
    networkReady.push(track(new aws.vpc.SecurityGroupIngressRule(`${prefix}-sm-endpoint-from-rotator`, {
        securityGroupId: endpointGroup,
        description: "Secrets Manager endpoint from the rotation Lambda (HTTPS)",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        referencedSecurityGroupId: securityGroup.id,
    })));

    settings.secretArns.forEach((secretArn, index) => {
        // Only Secrets Manager, acting for this secret of this account, may invoke the function.
        const permission = track(new aws.lambda.Permission(`${prefix}-sm-invoke-${index}`, {
            function: fn.name,
            action: "lambda:InvokeFunction",
            principal: "secretsmanager.amazonaws.com",
            sourceArn: secretArn,
            sourceAccount: settings.account,
        }));
        // Secrets Manager checks a new rotation configuration by invoking the function, so the rotation waits
        // for the permission and the network path.
        track(new aws.secretsmanager.SecretRotation(`${prefix}-rotation-${index}`, {
            secretId: secretArn,
            rotationLambdaArn: fn.arn,
            rotationRules: { scheduleExpression: settings.scheduleExpression },
            rotateImmediately: false,
        }, { dependsOn: [permission, ...networkReady] }));
    });

    return {
        functionArn: fn.arn,
        secretsManagerEndpointId: endpointId,
        rotatedSecretArns: [...settings.secretArns],
        resources,
    };
}
