"""The codebook, the README and the zip archive that carries an export to the researcher."""

import csv
import datetime
import zipfile
from importlib import metadata
from pathlib import Path

from django.utils.translation import gettext as _

from core.cells import neutralise
from research.export.keys import MAX_SHIFT_DAYS
from research.export.runner import ExportResult, sha256_of
from research.export.variables import OTHER, SUPPRESSED
from research.export.writers import FIXED_TIME
from research.models import ResearchProject

CODEBOOK = "codebook.csv"
README = "README.md"


def write_codebook(result: ExportResult) -> Path:
    """Every variable: table, name, label, type, unit, value labels."""
    path = result.directory / CODEBOOK
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["table", "variable", "label", "type", "unit", "values"])
        for table in result.tables:
            for variable in result.variables.get(table, []):
                values = "; ".join(f"{n} = {text}" for n, text in sorted(variable.labels.items()))
                writer.writerow(
                    neutralise(cell)
                    for cell in (
                        table,
                        variable.name,
                        variable.label,
                        variable.type_name,
                        variable.unit,
                        values,
                    )
                )
    result.files[CODEBOOK] = sha256_of(path)
    return path


def _software() -> str:
    names = ["husk", "Django", "pyreadstat", "pyarrow", "XlsxWriter"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _heading(text: str) -> list[str]:
    return ["", f"## {text}", ""]


def _item(label: str, value: object) -> str:
    return f"- {label}: {value}"


def readme_text(
    project: ResearchProject, result: ExportResult, *, made_at: datetime.datetime
) -> str:
    """Project, parameters, counts, protection applied and every file's SHA-256, in Markdown."""
    lines = [
        f"# {project.title}",
        "",
        _("Anonymised export from HUSK."),
        *_project_section(project),
        *_parameters_section(project, result, made_at),
        *_heading(_("Persons and rows")),
        _item(_("Persons"), result.persons),
        *(_item(table, result.rows.get(table, 0)) for table in result.tables),
        *_protection_section(result),
        *_heading(_("Files (SHA-256)")),
        *(f"- `{name}`: `{digest}`" for name, digest in sorted(result.files.items())),
        "",
        _("The codebook (codebook.csv) describes every variable and its values."),
        "",
    ]
    return "\n".join(lines)


def _project_section(project: ResearchProject) -> list[str]:
    offices = ", ".join(office.name for office in project.offices.order_by("name"))
    return [
        *_heading(_("Project")),
        _item(_("Short name"), project.code),
        _item(_("Institution"), project.institution),
        _item(_("Responsible researcher"), project.responsible_researcher),
        _item(_("REK reference"), project.rek_reference or "–"),
        _item(_("Sikt reference"), project.sikt_reference or "–"),
        _item(_("Legal basis"), project.get_legal_basis_display()),
        _item(_("Offices"), offices),
        _item(
            _("Period"), f"{project.period_start.isoformat()} – {project.period_end.isoformat()}"
        ),
    ]


def _parameters_section(
    project: ResearchProject, result: ExportResult, made_at: datetime.datetime
) -> list[str]:
    return [
        *_heading(_("Parameters")),
        _item(_("Data as of"), result.as_of.isoformat()),
        _item(_("Made"), made_at.isoformat(timespec="seconds")),
        _item(_("Tables"), ", ".join(result.tables)),
        _item(_("Formats"), ", ".join(result.formats)),
        _item(_("Software"), _software()),
        _item(_("Dates"), _date_rule(project)),
        _item(
            _("Pseudonyms"),
            _(
                "keyed hashes (HMAC-SHA-256) with a secret kept by HUSK for this project only: "
                "the same person has the same pseudonym in every export of this project, and "
                "cannot be linked to any other project's data."
            ),
        ),
        "- "
        + _(
            "The same parameters on the same data give data files that are identical byte for "
            "byte: compare the SHA-256 sums below."
        ),
    ]


def _date_rule(project: ResearchProject) -> str:
    """How the project's dates are written: shifted per person, or relative."""
    return {
        ResearchProject.DateMode.SHIFTED: _(
            "Every date of a person (or family) is moved by the same number of days, between "
            "−%(days)s and +%(days)s, fixed for that person within this project: intervals "
            "between a person's events are kept, calendar dates are not."
        )
        % {"days": MAX_SHIFT_DAYS},
        ResearchProject.DateMode.RELATIVE: _(
            "Dates are given as days since the person's first case episode (variables ending "
            "in _day; for families, since the family was first followed; for children, since "
            "they first joined a family), with the calendar year (variables ending in _year)."
        ),
    }[ResearchProject.DateMode(project.date_mode)]


def _protection_section(result: ExportResult) -> list[str]:
    """What was done to the data: k-anonymity, generalising, hiding and merging."""
    anonymity = result.anonymity
    none = _("none")
    levels = ", ".join(f"{name} ({level})" for name, level in anonymity["levels"].items())
    hidden = ", ".join(f"{name}: {count}" for name, count in anonymity["suppressed"].items())
    merged = "; ".join(f"{name}: {', '.join(labels)}" for name, labels in result.merged.items())
    return [
        *_heading(_("Protection")),
        _(
            "No names, national identity numbers, dates of birth, contact data, addresses, free "
            "text or staff names are exported."
        ),
        "",
        _item(
            f"k = {anonymity['k']}",
            _(
                "every combination of the background variables of the persons table occurs at "
                "least k times (checked on each final file)."
            ),
        ),
        _item(_("Generalised"), levels),
        _item(_("Single values hidden (%(code)s)") % {"code": SUPPRESSED}, hidden or none),
        _item(_("Persons left out to reach k"), anonymity["removed"]),
        _item(_("Rare codes merged into «other» (%(code)s)") % {"code": OTHER}, merged or none),
        _item(
            _("Variables left out because fewer than k persons had any value"),
            ", ".join(result.hidden) or none,
        ),
        "- "
        + _(
            "Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, "
            "tab or carriage return) are prefixed with an apostrophe in CSV and XLSX."
        ),
    ]


def build_archive(
    project: ResearchProject, result: ExportResult, target: Path, *, made_at: datetime.datetime
) -> Path:
    """Codebook, README and every data file in one zip; entries in a fixed order and time."""
    write_codebook(result)
    readme = result.directory / README
    readme.write_text(readme_text(project, result, made_at=made_at), encoding="utf-8")
    names = [README, CODEBOOK] + [
        f"{table}.{fmt}" for table in result.tables for fmt in result.formats
    ]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with (result.directory / name).open("rb") as source, archive.open(info, "w") as sink:
                while block := source.read(1 << 20):
                    sink.write(block)
    return target
