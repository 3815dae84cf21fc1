"""``skipjack artifacts gc``: delete old artifacts of a study except those of its best trials.

The store is a directory (``--artifact-dir PATH``) or an S3 bucket (``--s3-bucket NAME``
[``--s3-prefix P``], credentials from the usual AWS environment).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from skipjack.cli._common import add_command, add_study_name, load_study_for_cli
from skipjack.exceptions import CLIUsageError

if TYPE_CHECKING:
    from skipjack.artifacts import ArtifactStore

__all__ = ["register"]


def _store(args: argparse.Namespace) -> ArtifactStore:
    from skipjack.artifacts import Boto3ArtifactStore, FileSystemArtifactStore

    if bool(args.artifact_dir) == bool(args.s3_bucket):
        raise CLIUsageError("give exactly one of --artifact-dir PATH and --s3-bucket NAME.")
    if args.artifact_dir:
        return FileSystemArtifactStore(args.artifact_dir)
    return Boto3ArtifactStore(args.s3_bucket, prefix=args.s3_prefix)


def _gc(args: argparse.Namespace) -> int:
    from skipjack.artifacts import gc_artifacts, parse_ttl

    try:
        ttl = parse_ttl(args.ttl)
    except ValueError as e:
        raise CLIUsageError(f"--ttl: {e}") from None
    if args.keep_best < 0:
        raise CLIUsageError(f"--keep-best must be >= 0; got {args.keep_best}.")
    store = _store(args)
    study = load_study_for_cli(args)
    result = gc_artifacts(study, store, ttl=ttl, keep_best=args.keep_best,
                          dry_run=args.dry_run)
    if args.format == "json":
        print(json.dumps({"dry_run": result.dry_run, "deleted": result.deleted,
                          "kept_best": result.kept_best, "kept_young": result.kept_young,
                          "missing": result.missing}, indent=2))
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    for number, artifact_id in result.deleted:
        print(f"{verb} {artifact_id} (trial {number})")
    print(f"{verb} {len(result.deleted)} artifacts; kept {len(result.kept_best)} of the best "
          f"trials and {len(result.kept_young)} younger than {args.ttl}; "
          f"{len(result.missing)} already missing")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``artifacts`` command group."""
    parser = subparsers.add_parser("artifacts", help="artifacts gc: manage study artifacts",
                                   description="manage study artifacts")
    parser.set_defaults(command_parser=parser)
    sub = parser.add_subparsers(dest="artifacts_command", metavar="COMMAND")
    gc = add_command(sub, "gc", "delete old artifacts except the best trials'", _gc)
    add_study_name(gc)
    gc.add_argument("--ttl", required=True, help="age to delete after: 7d, 12h, 30m, 45s, 2w")
    gc.add_argument("--keep-best", type=int, default=5,
                    help="keep the artifacts of this many best trials (5)")
    gc.add_argument("--dry-run", action="store_true", help="list, do not delete")
    gc.add_argument("--artifact-dir", default=None, help="FileSystemArtifactStore directory")
    gc.add_argument("--s3-bucket", default=None, help="Boto3ArtifactStore bucket")
    gc.add_argument("--s3-prefix", default="", help="key prefix in the bucket")
    gc.add_argument("-f", "--format", choices=("text", "json"), default="text",
                    help="output format (default: text)")
