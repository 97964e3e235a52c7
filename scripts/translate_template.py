"""Translate the SAM template to plain CloudFormation offline, so the scanners also see what SAM generates.

`make security` runs this in the security tools' venv (cfn-lint and aws-sam-translator). The template is
read with cfn-lint's YAML decoder (it understands the short tags: !Ref, !Sub, !GetAtt, ...), local
`CodeUri`/`ContentUri` paths get placeholder S3 locations (as `sam package` would give real ones), and
samtranslator expands every `AWS::Serverless::*` resource. Each generated resource carries the Metadata
of the SAM resource it came from (samtranslator's `passthrough_metadata`), so a scanner skip written
beside a function also covers its generated role, event source mapping or schedule.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import cfn_yaml
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

# Properties holding a local path that `sam package` replaces with an S3 location.
CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
PLACEHOLDER_BUCKET = "offline-translation"


class OfflineManagedPolicyLoader:
    """Stand-in for samtranslator's IAM-backed loader: this translation makes no AWS call.

    samtranslator resolves AWS managed policy names from a map it bundles and asks the loader only
    for a name missing there; the template then names a policy that must be given by its ARN.
    """

    def load(self) -> dict[str, str]:
        raise SystemExit("samtranslator asked IAM for an AWS managed policy it does not know: give that policy's ARN")


def load_template(path: Path) -> dict[str, Any]:
    """Read a CloudFormation YAML or JSON template into plain dicts and lists (short tags expanded)."""
    decoded = cfn_yaml.load(str(path))
    plain: dict[str, Any] = json.loads(json.dumps(decoded))
    return plain


def with_placeholder_code(template: dict[str, Any]) -> dict[str, Any]:
    """Point local code paths at placeholder S3 objects, as `sam package` does with real ones."""
    for resource in template.get("Resources", {}).values():
        prop = CODE_PROPERTIES.get(resource.get("Type", ""))
        properties = resource.get("Properties", {})
        if prop and isinstance(properties.get(prop), str) and not properties[prop].startswith("s3://"):
            properties[prop] = f"s3://{PLACEHOLDER_BUCKET}/{properties[prop].strip('/')}.zip"
    return template


def translate(template: dict[str, Any], region: str) -> dict[str, Any]:
    """Expand the SAM resources of `template` into CloudFormation, offline, with parameter defaults."""
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name=region),  # gives the partition; makes no call
    )
    loader = OfflineManagedPolicyLoader()
    translated: dict[str, Any] = translator.translate(
        with_placeholder_code(template),
        parameter_values={},
        passthrough_metadata=True,
        get_managed_policy_map=loader.load,
    )
    return translated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()

    translated = translate(load_template(args.template), args.region)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(translated, indent=2, sort_keys=False) + "\n")
    print(f"translated {args.template} -> {args.output} ({len(translated['Resources'])} resources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
