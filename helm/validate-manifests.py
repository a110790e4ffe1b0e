#!/usr/bin/env python3
"""Validates rendered manifests against helm/schemas: every FlinkDeployment and PodMonitor.

Usage: validate-manifests.py [--self-test] target/helm/*.yaml
--self-test also proves the check can fail: a FlinkDeployment with spec.job.upgradeMode misspelt
as upgradeMod, one with job.state "paused" and one with an unknown spec field must be rejected.
"""
import copy, json, pathlib, sys
import jsonschema, yaml

SCHEMAS = pathlib.Path(__file__).resolve().parent / "schemas"
KINDS = {"FlinkDeployment": "flinkdeployment.schema.json", "PodMonitor": "podmonitor.schema.json"}

def validator(kind):
    schema = json.loads((SCHEMAS / KINDS[kind]).read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

def errors(doc):
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator(doc["kind"]).iter_errors(doc)]

def main(argv):
    self_test = "--self-test" in argv
    files = [a for a in argv if a != "--self-test"]
    checked, failures, sample = 0, 0, None
    for f in files:
        for doc in yaml.safe_load_all(pathlib.Path(f).read_text()):
            if not doc or doc.get("kind") not in KINDS:
                continue
            checked += 1
            errs = errors(doc)
            name = f"{f}: {doc['kind']} {doc['metadata']['name']}"
            if errs:
                failures += 1
                print(f"   INVALID {name}\n     " + "\n     ".join(errs))
            else:
                print(f"   valid   {name}")
            if doc["kind"] == "FlinkDeployment" and sample is None:
                sample = doc
    if checked == 0:
        print("no FlinkDeployment or PodMonitor found"); return 1
    if self_test:
        if sample is None:
            print("self-test needs a rendered FlinkDeployment"); return 1
        bad = {}
        d = copy.deepcopy(sample); d["spec"]["job"]["upgradeMod"] = d["spec"]["job"].pop("upgradeMode"); bad["upgradeMode misspelt upgradeMod"] = d
        d = copy.deepcopy(sample); d["spec"]["job"]["state"] = "paused"; bad["job.state paused"] = d
        d = copy.deepcopy(sample); d["spec"]["taskManger"] = d["spec"]["taskManager"]; bad["spec.taskManger"] = d
        d = copy.deepcopy(sample); d["spec"]["flinkVersion"] = "v2.2"; bad["flinkVersion v2.2"] = d
        for what, doc in bad.items():
            errs = errors(doc)
            if not errs:
                print(f"   self-test FAILED: {what} was accepted"); failures += 1
            else:
                print(f"   self-test: {what} rejected ({errs[0][:110]})")
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
