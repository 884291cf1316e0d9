#!/usr/bin/env python3
"""Runs one of AWS's Python rotation templates (a lambda_function.py given by path) as Secrets Manager would:
the four steps createSecret, setSecret, testSecret, finishSecret, in order, in this process.

    sm_template_driver.py TEMPLATE.py --secret ARN --token TOKEN
    sm_template_driver.py TEMPLATE.py --warm N --secrets ARN[,ARN...] --fake URL --report FILE

The first form is one rotation with a token the caller staged (scripts/lib/sm_bench.py measures the whole process:
the cold figure). The second is 1 + N rotations in one process (the warm figure), taking turns among the secrets;
before each it starts the rotation on the fake Secrets Manager (POST /__fake/rotations, untimed), and it writes JSON
{"rotationsMs": [...], "peakRssKb": N} where rotationsMs[0] is the warm-up. Exits non-zero when a step raises.
Needs what the template imports (Debian: python3-boto3, python3-pygresql, python3-pymysql) and its environment
(SECRETS_MANAGER_ENDPOINT, AWS credentials and region).
"""
import argparse
import importlib.util
import json
import resource
import sys
import time
import urllib.request
import uuid

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def load_template(path):
    spec = importlib.util.spec_from_file_location("lambda_function", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rotate(template, secret, token):
    for step in STEPS:
        template.lambda_handler({"Step": step, "SecretId": secret, "ClientRequestToken": token}, None)


def start_rotation(fake, secret, token):
    body = json.dumps({"secretId": secret, "token": token}).encode()
    request = urllib.request.Request(fake + "/__fake/rotations", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("--secret")
    parser.add_argument("--token")
    parser.add_argument("--warm", type=int)
    parser.add_argument("--secrets")
    parser.add_argument("--fake")
    parser.add_argument("--report")
    args = parser.parse_args()
    template = load_template(args.template)
    if args.warm is None:
        rotate(template, args.secret, args.token)
        return
    secrets = args.secrets.split(",")
    times = []
    for i in range(args.warm + 1):
        secret, token = secrets[i % len(secrets)], str(uuid.uuid4())
        start_rotation(args.fake, secret, token)
        started = time.perf_counter()
        rotate(template, secret, token)
        times.append((time.perf_counter() - started) * 1000)
    with open(args.report, "w") as f:
        # ru_maxrss is the peak resident set in KB on Linux: VmHWM, as the local runtime host reports for ours.
        json.dump({"rotationsMs": times, "peakRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, f)


if __name__ == "__main__":
    sys.exit(main())
