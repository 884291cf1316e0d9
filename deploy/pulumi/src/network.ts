// Where the database is and how the function reaches it, for each of the three network modes.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Engine, FunctionSettings } from "./settings";

export interface ResolvedNetwork {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    subnetIds: pulumi.Output<string[]>;
    vpcId: pulumi.Output<string>;
    dbSecurityGroupId: pulumi.Output<string>;
}

/** The rotator engine that speaks to an RDS engine name (`aurora-postgresql`, `mariadb`, ...). */
export function engineForRdsEngine(rdsEngine: string): Engine | undefined {
    if (rdsEngine.includes("postgres")) {
        return "postgres";
    }
    if (rdsEngine.includes("mysql") || rdsEngine.includes("mariadb") || rdsEngine === "aurora") {
        return "mysql";
    }
    return undefined;
}

/** Fails when the configured engine cannot speak to what RDS reports the database runs. */
export function checkEngine(configured: Engine, rdsEngine: string, what: string): void {
    const expected = engineForRdsEngine(rdsEngine);
    if (expected !== configured) {
        throw new Error(`engine is ${configured} but ${what} runs ${rdsEngine}: set engine to ${expected ?? "mysql or postgres"} (or point at the right database)`);
    }
}

function firstSecurityGroup(groups: string[], what: string): string {
    if (groups.length === 0) {
        throw new Error(`${what} has no VPC security group: the rotator's access is granted through one`);
    }
    return groups[0];
}

export function resolveNetwork(settings: FunctionSettings): ResolvedNetwork {
    const network = settings.network;
    switch (network.mode) {
        case "rdsCluster": {
            const what = `RDS cluster ${network.clusterIdentifier}`;
            const cluster = aws.rds.getClusterOutput({ clusterIdentifier: network.clusterIdentifier });
            return fromRds(settings, what, cluster.apply(c => ({
                engine: c.engine, host: c.endpoint, port: c.port,
                subnetGroupName: c.dbSubnetGroupName, securityGroupIds: c.vpcSecurityGroupIds,
            })));
        }
        case "rdsInstance": {
            const what = `RDS instance ${network.instanceIdentifier}`;
            const instance = aws.rds.getInstanceOutput({ dbInstanceIdentifier: network.instanceIdentifier });
            return fromRds(settings, what, instance.apply(i => ({
                engine: i.engine, host: i.address, port: i.port,
                subnetGroupName: i.dbSubnetGroup, securityGroupIds: i.vpcSecurityGroups,
            })));
        }
        case "selfManaged": {
            const subnet = aws.ec2.getSubnetOutput({ id: network.subnetIds[0] });
            return {
                host: pulumi.output(network.dbHost),
                port: pulumi.output(network.dbPort),
                subnetIds: pulumi.output(network.subnetIds),
                vpcId: subnet.vpcId,
                dbSecurityGroupId: pulumi.output(network.dbSecurityGroupId),
            };
        }
    }
}

// What the rotator needs from an RDS cluster or instance, whichever names its fields how.
interface RdsDatabase {
    engine: string;
    host: string;
    port: number;
    subnetGroupName: string;
    securityGroupIds: string[];
}

// The engine is checked against what RDS reports; the subnets and VPC come from the database's subnet group.
function fromRds(settings: FunctionSettings, what: string, database: pulumi.Output<RdsDatabase>): ResolvedNetwork {
    const checked = database.apply(d => {
        checkEngine(settings.engine, d.engine, what);
        return d;
    });
    const subnetGroup = aws.rds.getSubnetGroupOutput({ name: checked.subnetGroupName });
    return {
        host: checked.host,
        port: checked.port,
        subnetIds: subnetGroup.subnetIds,
        vpcId: subnetGroup.vpcId,
        dbSecurityGroupId: checked.securityGroupIds.apply(g => firstSecurityGroup(g, what)),
    };
}
