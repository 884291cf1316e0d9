#!/usr/bin/env python3
"""The Secrets Manager mode of scripts/bench.sh: this project's bootstrap and AWS's Python rotation templates, side by
side, rotating secrets in AWS's format on a fake Secrets Manager (tests/secrets-manager-contract/fake) and the
bench's PostgreSQL and MariaDB servers. Run by bench.sh with Debian's python3 (it has boto3, pgdb and pymysql);
prints the report table on stdout, progress on stderr.

    sm_bench.py --work DIR --cold N --warm N --db-host NAME --bootstrap PATH --host-dll PATH --fake-cli PATH
                --driver PATH --template-dir DIR --strategies multi[,single] --ssl absent|false

The servers come from the environment (servers.env of scripts/servers.sh). Each side rotates secrets of its own
(four per engine and strategy, taken in turn; a multi-user secret's users are X and X_clone), made for this run:
  ours, Lambda   one bootstrap process through the local Runtime API host (rotators/local-runtime); cold =
                 spawn → the fourth step's reply, warm = the four invocations' times (hand-out → reply) summed
  ours, invoke   four `bootstrap invoke` processes, one per step; cold only: first spawn → last exit
  AWS template   its lambda_function.py called for the four steps by scripts/lib/sm_template_driver.py; cold = a
                 fresh python3 process, spawn → exit; warm = the four calls in one process, timed inside it
Every secret is rotated once by its side before anything is timed (the first multi-user rotation creates the
clone), so the figures are those of the rotations that follow. Before each rotation the bench starts it on the fake
as RotateSecret does (the token staged AWSPENDING), untimed; after each cold one it checks that the token became
AWSCURRENT, and at the end that every secret's AWSCURRENT logs in. It also counts how many of each side's cold
rotations left their new password in the servers' statement logs (PostgreSQL's log_statement=all, MariaDB's general
log). --sides ours,reference (say) runs only those sides. No password is printed.
"""
import argparse
import json
import math
import os
import secrets
import select
import statistics
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pgdb
import pymysql

REGION = "us-east-1"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
POOL = 4
ALPHANUMERIC = string.ascii_letters + string.digits
# engine key → (label, the secret's engine value, the templates' folder part)
ENGINES = {
    "postgres": ("PostgreSQL", "postgres", "PostgreSQL"),
    "mysql": ("MariaDB", "mariadb", "MariaDB"),
}
STRATEGIES = {"multi": ("multi-user", "MultiUser"), "single": ("single-user", "SingleUser")}
SIDES = ("ours", "ours-invoke", "reference")


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def password():
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(32))


class Fake:
    """The fake Secrets Manager as a child process (it exits when its stdin closes); plain http on 127.0.0.1."""

    def __init__(self, cli, work):
        self.credentials = {
            "accessKeyId": "AKIA" + secrets.token_hex(8).upper(),
            "secretAccessKey": secrets.token_urlsafe(30),
            "sessionToken": secrets.token_urlsafe(48),
        }
        path = os.path.join(work, "fake-credentials.json")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump([self.credentials], f)
        self.log = open(os.path.join(work, "fake.log"), "wb")
        self.process = subprocess.Popen(["node", cli, "--region", REGION, "--credentials", path],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.close()
            raise BenchError("the fake Secrets Manager did not start (see fake.log)")
        self.url = json.loads(line)["url"]

    def call(self, method, route, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + route, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as e:
            raise BenchError(f"fake {method} {route.split('/')[2]}: HTTP {e.code}") from None

    def seed(self, name, value):
        return self.call("POST", "/__fake/secrets", {"name": name, "secretString": json.dumps(value)})["ARN"]

    def start_rotation(self, arn):
        token = str(uuid.uuid4())
        self.call("POST", "/__fake/rotations", {"secretId": arn, "token": token})
        return token

    def stages(self, arn):
        return self.call("GET", "/__fake/secrets/" + urllib.parse.quote(arn, safe=""))["VersionIdsToStages"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()  # our own child, by its handle
                self.process.wait(10)
        self.log.close()


class Servers:
    """The bench's servers (servers.env) as the admin sees them, over verified TLS."""

    def __init__(self, db_host):
        self.db_host = db_host
        self.ca = os.environ["ESC_TEST_TLS_CA"]
        self.ports = {"postgres": int(os.environ["ESC_TEST_PG_PORT"]), "mysql": int(os.environ["ESC_TEST_MYSQL_PORT"])}

    def connect(self, engine, user, secret):
        if engine == "postgres":
            return pgdb.connect(host=self.db_host, port=self.ports[engine], user=user, password=secret,
                                database="esc_test", sslmode="verify-full", sslrootcert=self.ca, connect_timeout=10)
        return pymysql.connect(host=self.db_host, port=self.ports[engine], user=user, password=secret,
                               database="esc_test", ssl={"ca": self.ca}, connect_timeout=10)

    def admin(self, engine):
        prefix = "ESC_TEST_PG" if engine == "postgres" else "ESC_TEST_MYSQL"
        return self.connect(engine, os.environ[prefix + "_ADMIN_USER"], os.environ[prefix + "_ADMIN_PASSWORD"])

    def create_users(self, engine, master, users):
        """master (name, password) may manage users [(name, password)]; each user may read one table."""
        connection = self.admin(engine)
        try:
            cursor = connection.cursor()
            names = [name for name, _ in users]
            if engine == "postgres":
                cursor.execute("SET log_statement = 'none'")  # the setup's passwords stay out of the log
                cursor.execute("SET client_min_messages = warning")

                def ident(name):
                    cursor.execute("SELECT quote_ident(%s)", (name,))
                    return cursor.fetchone()[0]

                # The servers are fresh for each run; these only clear what an interrupted setup left.
                for name in names + [n + "_clone" for n in names] + [master[0]]:
                    cursor.execute(f"DROP ROLE IF EXISTS {ident(name)}")
                cursor.execute("CREATE TABLE IF NOT EXISTS sm_bench_data (n int)")
                cursor.execute(f"CREATE ROLE {ident(master[0])} LOGIN CREATEROLE PASSWORD %s", (master[1],))
                for name, secret in users:
                    cursor.execute(f"CREATE ROLE {ident(name)} LOGIN PASSWORD %s", (secret,))
                    cursor.execute(f"GRANT SELECT ON sm_bench_data TO {ident(name)}")
                    cursor.execute(f"GRANT {ident(name)} TO {ident(master[0])} WITH ADMIN OPTION")
            else:
                cursor.execute("SET SESSION sql_log_off = 1")
                for name in names + [n + "_clone" for n in names] + [master[0]]:
                    cursor.execute("DROP USER IF EXISTS %s@'%%'", (name,))
                # The master as RDS makes it: every privilege, with grant option.
                cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", master)
                cursor.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION", (master[0],))
                for name, secret in users:
                    cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (name, secret))
                    cursor.execute("GRANT SELECT ON esc_test.* TO %s@'%%'", (name,))
            connection.commit()
        finally:
            connection.close()

    def logs_in(self, engine, user, secret):
        try:
            connection = self.connect(engine, user, secret)
        except (pgdb.Error, pymysql.MySQLError):
            return False
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT count(*) FROM sm_bench_data" if engine == "postgres" else "SELECT 1")
            cursor.fetchall()
            return True
        finally:
            connection.close()


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms(value):
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


class Bench:
    def __init__(self, args):
        self.args = args
        self.sides = [s for s in SIDES if s in args.sides]
        self.work = args.work
        self.servers = Servers(args.db_host)
        self.fake = Fake(args.fake_cli, self.work)
        self.sm = boto3.client("secretsmanager", region_name=REGION, endpoint_url=self.fake.url,
                               aws_access_key_id=self.fake.credentials["accessKeyId"],
                               aws_secret_access_key=self.fake.credentials["secretAccessKey"],
                               aws_session_token=self.fake.credentials["sessionToken"])
        self.pools = {}        # (engine, strategy, side) → [arn]
        self.passwords = {}    # (engine, strategy, side) → [each cold rotation's new password]
        self.first_reply = {}  # (engine, strategy) → ours' spawn → createSecret's reply, per cold run
        aws = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
               "AWS_ACCESS_KEY_ID": self.fake.credentials["accessKeyId"],
               "AWS_SECRET_ACCESS_KEY": self.fake.credentials["secretAccessKey"],
               "AWS_SESSION_TOKEN": self.fake.credentials["sessionToken"]}
        # Ours trusts the servers' CA, as a deployment ships its database's bundle.
        self.ours_env = dict(aws, AWS_ENDPOINT_URL_SECRETS_MANAGER=self.fake.url, ESC_ROTATOR_CA_BUNDLE=self.servers.ca)
        home = os.path.join(self.work, "home")
        os.makedirs(home, exist_ok=True)
        self.reference_env = dict(aws, PATH="/usr/bin:/bin", LANG="C.UTF-8", HOME=home, PYTHONDONTWRITEBYTECODE="1",
                                  SECRETS_MANAGER_ENDPOINT=self.fake.url, AWS_EC2_METADATA_DISABLED="true",
                                  AWS_CONFIG_FILE=os.path.join(home, "none"),
                                  AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "none"))

    # ------------------------------------------------------------ setup
    def seed(self, engine, strategy):
        label, engine_value, _ = ENGINES[engine]
        port = self.servers.ports[engine]
        base = {"engine": engine_value, "host": self.args.db_host, "dbname": "esc_test", "port": port}
        if self.args.ssl == "false":
            base["ssl"] = False
        master = (f"sm_master_{strategy[0]}", password())
        users, pools = [], {}
        master_arn = None
        if strategy == "multi":
            master_arn = self.fake.seed(f"bench/{engine}/{strategy}/master",
                                        dict(base, username=master[0], password=master[1]))
        for side in self.sides:
            arns = []
            for i in range(1, POOL + 1):
                user = (f"sm_{side[0] if side != 'ours-invoke' else 'i'}{strategy[0]}{i}", password())
                users.append(user)
                value = dict(base, username=user[0], password=user[1])
                if master_arn:
                    value["masterarn"] = master_arn
                arns.append(self.fake.seed(f"bench/{engine}/{strategy}/{side}/{i}", value))
            pools[side] = arns
        self.servers.create_users(engine, master, users)
        for side, arns in pools.items():
            self.pools[(engine, strategy, side)] = arns
            self.passwords[(engine, strategy, side)] = []
        log(f"{label} {STRATEGIES[strategy][0]}: {len(users)} users and their secrets")

    def template(self, engine, strategy):
        folder = f"SecretsManagerRDS{ENGINES[engine][2]}Rotation{STRATEGIES[strategy][1]}"
        return os.path.join(self.args.template_dir, folder, "lambda_function.py")

    # ------------------------------------------------------------ ours
    def events(self, arn, token):
        return "".join(json.dumps({"Step": s, "SecretId": arn, "ClientRequestToken": token}) + "\n" for s in STEPS)

    def host_command(self, report):
        command = ["dotnet", self.args.host_dll, "--bootstrap", self.args.bootstrap, "--timeout-ms", "30000",
                   "--success", "response", "--report", report]
        for name, value in self.ours_env.items():
            command += ["--env", f"{name}={value}"]
        return command

    def check_replies(self, name, replies):
        bad = [r for r in replies if r.strip() != "null"]
        if bad:
            log(f"{name}: a step did not succeed; the first such reply (see {name}.log):")
            print(bad[0][:300], file=sys.stderr)
            raise BenchError(f"benchmark run {name} failed")

    def ours_cold(self, key, arn, name):
        token = self.fake.start_rotation(arn)
        report = os.path.join(self.work, name + ".json")
        with open(os.path.join(self.work, name + ".log"), "wb") as errors:
            done = subprocess.run(self.host_command(report), input=self.events(arn, token).encode(),
                                  stdout=subprocess.PIPE, stderr=errors, timeout=180)
        self.check_replies(name, done.stdout.decode().splitlines() or ["(no reply)"])
        with open(report) as f:
            figures = json.load(f)
        self.after_cold(key, arn, token, name)
        self.first_reply.setdefault(key[:2], []).append(figures["coldStartMs"])
        return figures["lastReplyMs"]

    def invoke_cold(self, key, arn, name):
        token = self.fake.start_rotation(arn)
        env = dict(self.ours_env, PATH="/usr/bin:/bin", LANG="C.UTF-8", TZ=":UTC")
        events = self.events(arn, token).splitlines()
        with open(os.path.join(self.work, name + ".log"), "wb") as errors:
            started = time.perf_counter()
            for event in events:
                done = subprocess.run([self.args.bootstrap, "invoke"], input=event.encode(), env=env,
                                      stdout=subprocess.PIPE, stderr=errors, timeout=60)
                if done.returncode != 0 or done.stdout.strip() != b"null":
                    raise BenchError(f"benchmark run {name}: bootstrap invoke exited {done.returncode} (see {name}.log)")
            elapsed = (time.perf_counter() - started) * 1000
        self.after_cold(key, arn, token, name)
        return elapsed

    def ours_warm(self, key, arns, name, rotations):
        report = os.path.join(self.work, name + ".json")
        with open(os.path.join(self.work, name + ".log"), "wb") as errors:
            host = subprocess.Popen(self.host_command(report), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=errors, text=True)
            try:
                for i in range(rotations):
                    arn = arns[i % len(arns)]
                    token = self.fake.start_rotation(arn)
                    host.stdin.write(self.events(arn, token))
                    host.stdin.flush()
                    self.check_replies(name, [host.stdout.readline() or "(no reply)" for _ in STEPS])
                host.stdin.close()
                host.wait(60)
            finally:
                if host.poll() is None:
                    host.kill()  # our own child, by its handle
                    host.wait(10)
        if host.returncode != 0:
            raise BenchError(f"benchmark run {name}: the host exited {host.returncode} (see {name}.log)")
        with open(report) as f:
            figures = json.load(f)
        times = [i["ms"] for i in figures["invocations"]]
        per_rotation = [sum(times[j:j + len(STEPS)]) for j in range(0, len(times), len(STEPS))]
        return per_rotation, figures["peakRssKb"]

    # ------------------------------------------------------------ AWS's template
    def reference_cold(self, key, arn, name):
        engine, strategy, _ = key
        token = self.fake.start_rotation(arn)
        command = [sys.executable, self.args.driver, self.template(engine, strategy), "--secret", arn, "--token", token]
        with open(os.path.join(self.work, name + ".log"), "wb") as errors:
            started = time.perf_counter()
            done = subprocess.run(command, env=self.reference_env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=errors, timeout=120)
            elapsed = (time.perf_counter() - started) * 1000
        if done.returncode != 0:
            raise BenchError(f"benchmark run {name}: the template's process exited {done.returncode} (see {name}.log)")
        self.after_cold(key, arn, token, name)
        return elapsed

    def reference_warm(self, key, arns, name, rotations):
        engine, strategy, _ = key
        report = os.path.join(self.work, name + ".json")
        command = [sys.executable, self.args.driver, self.template(engine, strategy), "--warm", str(rotations - 1),
                   "--secrets", ",".join(arns), "--fake", self.fake.url, "--report", report]
        with open(os.path.join(self.work, name + ".log"), "wb") as errors:
            done = subprocess.run(command, env=self.reference_env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=errors, timeout=900)
        if done.returncode != 0:
            raise BenchError(f"benchmark run {name}: the template's process exited {done.returncode} (see {name}.log)")
        with open(report) as f:
            figures = json.load(f)
        return figures["rotationsMs"], figures["peakRssKb"]

    # ------------------------------------------------------------ checks
    def after_cold(self, key, arn, token, name):
        if "AWSCURRENT" not in self.fake.stages(arn).get(token, []):
            raise BenchError(f"benchmark run {name}: the rotation ended without its version becoming AWSCURRENT")
        current = json.loads(self.sm.get_secret_value(SecretId=arn)["SecretString"])
        self.passwords[key].append(current["password"])

    def check_current_logins(self):
        for (engine, strategy, side), arns in self.pools.items():
            for arn in arns:
                current = json.loads(self.sm.get_secret_value(SecretId=arn)["SecretString"])
                if not self.servers.logs_in(engine, current["username"], current["password"]):
                    raise BenchError(f"{engine} {strategy} {side}: a secret's AWSCURRENT does not log in")

    def passwords_logged(self, engine, key):
        path = os.environ["ESC_TEST_PG_LOG" if engine == "postgres" else "ESC_TEST_MYSQL_GENERAL_LOG"]
        with open(path, "rb") as f:
            text = f.read()
        return sum(1 for p in self.passwords[key] if p.encode() in text), len(self.passwords[key])

    # ------------------------------------------------------------ run
    def run(self):
        args = self.args
        combos = [(e, s) for e in ENGINES for s in args.strategies]
        for engine, strategy in combos:
            self.seed(engine, strategy)
        runners = {"ours": self.ours_cold, "ours-invoke": self.invoke_cold, "reference": self.reference_cold}

        log("every secret rotated once by its side (untimed; a multi-user secret's first rotation creates the clone)")
        for engine, strategy in combos:
            for side in self.sides:
                key = (engine, strategy, side)
                prime = self.reference_warm if side == "reference" else self.ours_warm
                prime(key, self.pools[key], f"{side}-{engine}-{strategy}-prime", POOL)

        log(f"{args.cold} rounds of cold rotations, interleaved ({', '.join(self.sides)}; {', '.join(f'{e} {s}' for e, s in combos)})")
        cold = {}
        for i in range(args.cold):
            for engine, strategy in combos:
                for k in range(len(self.sides)):
                    side = self.sides[(i + k) % len(self.sides)]
                    key = (engine, strategy, side)
                    arn = self.pools[key][i % POOL]
                    cold.setdefault(key, []).append(runners[side](key, arn, f"{side}-{engine}-{strategy}-cold-{i + 1}"))

        warm = {}
        for engine, strategy in combos:
            log(f"{engine} {strategy}: 1 warm-up + {args.warm} warm rotations in one process per side")
            for side in (s for s in ("ours", "reference") if s in self.sides):
                key = (engine, strategy, side)
                runner = self.ours_warm if side == "ours" else self.reference_warm
                times, peak = runner(key, self.pools[key], f"{side}-{engine}-{strategy}-warm", args.warm + 1)
                warm[key] = (times[1:], peak)  # [0] is the warm-up

        self.check_current_logins()
        log("every secret's AWSCURRENT logs in")
        self.table(combos, cold, warm)

    def table(self, combos, cold, warm):
        args = self.args
        headers = ["", "ours: Lambda process (local runtime)", "ours: 4 × `bootstrap invoke`", "AWS template (python3)",
                   "template ÷ ours (Lambda)", "template ÷ ours (invoke)"]
        rows = []

        def ratio(values, ours):
            reference, mine = values.get("reference"), values.get(ours)
            return f"{reference / mine:.1f}×" if reference is not None and mine else ""

        def cells(values):
            return [values.get(side, "") for side in SIDES]

        for engine, strategy in combos:
            label = f"{ENGINES[engine][0]} {STRATEGIES[strategy][0]}"
            c = {side: cold[(engine, strategy, side)] for side in self.sides}
            med = {side: statistics.median(v) for side, v in c.items()}
            shown = {side: f"{ms(med[side])} ({ms(min(v))}–{ms(max(v))}) ms" for side, v in c.items()}
            rows.append([f"cold: four steps, fresh process(es), {label}, median (min–max) of {args.cold}",
                         *cells(shown), ratio(med, "ours"), ratio(med, "ours-invoke")])
            if (engine, strategy) in self.first_reply:
                first = self.first_reply[(engine, strategy)]
                rows.append([f"… of which spawn → createSecret's reply, {label}",
                             f"{ms(statistics.median(first))} ({ms(min(first))}–{ms(max(first))}) ms", "", "", "", ""])
        for engine, strategy in combos:
            label = f"{ENGINES[engine][0]} {STRATEGIES[strategy][0]}"
            w = {side: times for (e, s, side), (times, _) in warm.items() if (e, s) == (engine, strategy)}
            med = {side: statistics.median(v) for side, v in w.items()}
            shown = {side: f"{ms(med[side])} / {ms(p95(v))} ms" for side, v in w.items()}
            rows.append([f"warm: four steps, one process, {label}, median / p95 of {args.warm}",
                         *cells(shown), ratio(med, "ours"), ""])
        for engine, strategy in combos:
            label = f"{ENGINES[engine][0]} {STRATEGIES[strategy][0]}"
            peak = {side: f"{kb / 1024:.1f} MB" for (e, s, side), (_, kb) in warm.items() if (e, s) == (engine, strategy) and kb}
            rows.append([f"peak RSS, {args.warm + 1} rotations in one process, {label}", *cells(peak), "", ""])
        for engine, strategy in combos:
            label = f"{ENGINES[engine][0]} {STRATEGIES[strategy][0]}"
            found = {side: "{} of {}".format(*self.passwords_logged(engine, (engine, strategy, side))) for side in self.sides}
            rows.append([f"new password found in the server's statement log, {label} (cold rotations)", *cells(found), "", ""])
        print()
        print("| " + " | ".join(headers) + " |")
        print("|" + "|".join("---" for _ in headers) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print()
        tls = ("the secrets have no `ssl` key: ours used TLS prefer (verified against the servers' CA); AWS's template "
               "tried verify-full against the system CA bundle, which does not hold the servers' CA, and fell back to "
               "plaintext" if args.ssl == "absent" else
               "the secrets have `\"ssl\": false`: ours used TLS prefer (verified against the servers' CA); AWS's "
               "template connected without TLS")
        print(f"TLS: {tls}. Secrets Manager: the fake on {self.fake.url} (plain http on loopback).")

    def close(self):
        self.fake.close()


def main():
    parser = argparse.ArgumentParser()
    for name in ("--work", "--db-host", "--bootstrap", "--host-dll", "--fake-cli", "--driver", "--template-dir"):
        parser.add_argument(name, required=True)
    parser.add_argument("--cold", type=int, required=True)
    parser.add_argument("--warm", type=int, required=True)
    parser.add_argument("--strategies", type=lambda v: v.split(","), default=["multi"])
    parser.add_argument("--ssl", choices=("absent", "false"), default="absent")
    # Only some sides (e.g. while checking the template's setup); the table leaves the others' cells empty.
    parser.add_argument("--sides", type=lambda v: v.split(","), default=list(SIDES))
    args = parser.parse_args()
    bench = Bench(args)
    try:
        bench.run()
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        bench.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
