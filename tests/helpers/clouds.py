"""Where a rendered project keeps its Terraform, by its cloud answer."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.facts import CLOUDS


def terraform_dir(project: Path, full: dict) -> Path | None:
    """The project's Terraform directory, or None when the cloud has none; then there is no
    Terraform file anywhere, nor the directory another cloud would have."""
    directory = CLOUDS[full["cloud"]]["terraform_dir"]
    if directory:
        return project / directory
    assert not sorted(project.rglob("*.tf")), f"cloud={full['cloud']} renders no Terraform"
    for row in CLOUDS.values():
        if row.get("terraform_dir"):
            top = Path(row["terraform_dir"]).parts[0]
            assert not (project / top).exists(), f"cloud={full['cloud']} renders no {top}/"
    return None
