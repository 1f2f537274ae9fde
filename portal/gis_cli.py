"""`flask gis import|export`: load the map layers from GIS files and write them back out."""

import csv
from pathlib import Path

import click
from flask.cli import AppGroup

from gis.io import exporting, importing, reading
from gis.io.layers import LAYERS
from portal.extensions import db
from services.errors import Invalid

gis_cli = AppGroup("gis", help="Import and export the map layers (GeoJSON, Shapefile, GeoPackage, CSV).")

# What each problem code means, for the administrator running the import.
PROBLEMS = {
    "column_missing": "the file has no column for this required field (map one with --map {field}=COLUMN)",
    "required": "a value is required",
    "number_invalid": "{value!r} is not a number",
    "whole_number_required": "{value!r} is not a whole number",
    "too_small": "{value!r} is less than {min:g}",
    "not_above": "{value!r} must be greater than {min:g}",
    "too_large": "{value!r} is greater than {max:g}",
    "choice_invalid": "{value!r} is not one of: {choices}",
    "too_long": "longer than {max} characters",
    "date_invalid": "{value!r} is not a date (YYYY-MM-DD)",
    "datetime_invalid": "{value!r} is not a date and time (YYYY-MM-DDTHH:MM)",
    "time_invalid": "{value!r} is not a time of day (HH:MM)",
    "dimming_invalid": '{value!r} is not a dimming schedule [{{"start": "HH:MM", "end": "HH:MM", "level": 0..1}}]',
    "days_invalid": "{value!r} is not a list of weekdays 1 (Monday) to 7, like 1,3,5",
    "hours_ordered": "the end time {value} is not after the start time",
    "code_duplicate": "the code {value!r} is already used by feature {first}",
    "reference_unknown": "no {field} has the code {value!r}",
    "geometry_missing": "the feature has no geometry",
    "geometry_type": "a {found} where the layer holds {expected} geometries",
    "geometry_invalid": "the geometry is not valid ({reason})",
    "outside_area": "the geometry lies outside Berkane (near {lon}, {lat}): is the file's coordinate system right?",
}

# Errors about the whole file or command line, as the services raise them.
FILE_ERRORS = {
    "import_file_unreadable": "The file cannot be read as GIS data: {detail}",
    "import_crs_unknown": "The coordinate system {crs} is not known.",
    "import_encoding_unknown": "The character set {encoding!r} is not known.",
    "import_crs_conflict": "The file declares {declared}, but --srid says {given}.",
    "import_mapping_invalid": "Write each mapping as FIELD=COLUMN, not {mapping!r}.",
    "import_field_unknown": "The layer has no field {field!r}.",
    "import_column_missing": "The file has no column {column!r}.",
    "import_layer_unknown": "There is no layer {layer!r}.",
    "export_format_unknown": "Export to a .geojson or .csv file, not {suffix!r}.",
}
SHOWN_MAX = 50  # problems printed on the terminal; --report holds them all


def describe(problem: importing.Problem) -> str:
    template = PROBLEMS.get(problem.code, problem.code)
    try:
        return template.format(value=problem.value, field=problem.field, **problem.params)
    except (KeyError, ValueError):
        return problem.code


def _where(problem: importing.Problem) -> str:
    if problem.feature is None:
        return f"File, {problem.field}"
    code = f" ({problem.feature_code})" if problem.feature_code else ""
    return f"Feature {problem.feature}{code}, {problem.field}"


def _fail(exc: Invalid) -> click.ClickException:
    db.session.rollback()
    template = FILE_ERRORS.get(exc.code, exc.code)
    try:
        message = template.format(field=exc.field, **exc.params)
    except (KeyError, ValueError):
        message = exc.code
    return click.ClickException(message)


def write_report(path: Path, problems: list[importing.Problem]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["feature", "code", "field", "problem", "value", "message"])
        for p in problems:
            value = "" if p.value is None else p.value
            writer.writerow([p.feature or "", p.feature_code or "", p.field or "", p.code, value, describe(p)])


@gis_cli.command("import")
@click.argument("layer", type=click.Choice(sorted(LAYERS)))
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN", help="Read FIELD from COLUMN (repeatable).")
@click.option("--srid", type=int, help="EPSG code of a file that declares no coordinate system [default: 4326].")
@click.option("--source-layer", help="Layer of the file to read, when it holds several (GeoPackage).")
@click.option("--encoding", help="Character set of a Shapefile without a .cpg file, e.g. cp1256 (Arabic Windows).")
@click.option("--dry-run", is_flag=True, help="Check every feature and say what would change; write nothing.")
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write the problems to a CSV file."
)
def import_(layer, file, mappings, srid, source_layer, encoding, dry_run, report):
    """Create or update (by code) the LAYER's features from FILE: all of them, or none if one is wrong.

    FILE is GeoJSON, a Shapefile (.shp or .zip), a GeoPackage or CSV (WKT, or lon/lat columns for points).
    Coordinates are reprojected from the file's coordinate system (Lambert Nord Maroc, EPSG:26191, or any
    other it declares) to WGS84. A light's cabinet and street, a route's zone, are given by their codes;
    a feature without a district is placed in the district its geometry lies in. Times without an offset
    are read as Berkane's local time.
    """
    try:
        mapping = importing.parse_mapping(mappings)
        source = reading.read(file, srid=srid, source_layer=source_layer, encoding=encoding)
        reprojected = ", reprojected to EPSG:4326" if source.reprojected else ""
        assumed = "" if source.crs_declared else " (no coordinate system declared: assumed)"
        features = f"{len(source.features)} feature{'' if len(source.features) == 1 else 's'}"
        click.echo(f"Read {features} from {file.name} in {source.crs}{assumed}{reprojected}.")
        with click.progressbar(length=len(source.features), label="Checking") as bar:
            plan = importing.check(db.session, layer, source, mapping, progress=bar.update)
    except Invalid as exc:
        raise _fail(exc) from None
    for dst, src in sorted(plan.columns.items()):
        if dst != src:
            click.echo(f"Field {dst} read from column {src}.")
    if plan.ignored:
        click.echo(f"Columns not used: {', '.join(plan.ignored)}.")
    if report:
        write_report(report, plan.problems)
    if plan.problems:
        db.session.rollback()
        for problem in plan.problems[:SHOWN_MAX]:
            click.echo(f"{_where(problem)}: {describe(problem)}", err=True)
        if len(plan.problems) > SHOWN_MAX:
            click.echo(f"... and {len(plan.problems) - SHOWN_MAX} more (see --report).", err=True)
        if not source.crs_declared and any(p.code == "outside_area" for p in plan.problems):
            click.echo(
                f"The file declares no coordinate system, so it was read as {source.crs}: if its coordinates are "
                "in metres, give --srid (26191 for Lambert Nord Maroc).",
                err=True,
            )
        features = len({p.feature for p in plan.problems})
        raise click.ClickException(f"{len(plan.problems)} problems in {features} features: nothing was imported.")
    summary = f"{plan.created} to create, {plan.updated} to update, {plan.unchanged} unchanged"
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run, nothing written: {summary} in {layer}.")
        return
    try:
        with click.progressbar(length=len(plan.rows), label="Writing") as bar:
            importing.apply(db.session, plan, progress=bar.update)
        db.session.commit()
    except Exception:
        db.session.rollback()
        click.echo("The import failed: nothing was written.", err=True)
        raise
    click.echo(f"Imported {layer}: {plan.created} created, {plan.updated} updated, {plan.unchanged} unchanged.")


@gis_cli.command("export")
@click.argument("layer", type=click.Choice(sorted(LAYERS)))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(layer, file):
    """Write every feature of LAYER to FILE in WGS84: GeoJSON (.geojson) or CSV (.csv, WKT or lon/lat)."""
    try:
        count = exporting.export_layer(db.session, layer, file)
    except Invalid as exc:
        raise _fail(exc) from None
    click.echo(f"Exported {count} {layer} to {file} (EPSG:4326).")
