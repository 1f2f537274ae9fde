"""The visiting order of a collection round: from a depot, through chosen containers, back to the depot.

Distances are straight lines on the ellipsoid, computed by the database; the order comes from VROOM
(pyvroom), a vehicle-routing solver, given them as whole metres.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import vroom
from sqlalchemy import literal, select, true, union_all
from sqlalchemy.orm import Session, selectinload

from gis import spatial
from gis.sanitation.models import Depot, WasteContainer
from services.errors import Invalid, NotFound

# Past this, the printed round is no longer one truck's shift; it also bounds the distance matrix (n² pairs).
MAX_STOPS = 150
# How hard VROOM searches (0-5); at 5 it finds the best order of small rounds, and is quick for MAX_STOPS.
EXPLORATION = 5
_DEPOT = -1  # the depot's key among the stops (container ids are positive)


@dataclass(frozen=True)
class Stop:
    """A container on the round, with the leg that leads to it from the previous stop."""

    position: int
    container: WasteContainer
    leg_m: float
    travelled_m: float


@dataclass(frozen=True)
class Round:
    depot: Depot
    stops: list[Stop]
    return_m: float  # from the last container back to the depot

    @property
    def total_m(self) -> float:
        return (self.stops[-1].travelled_m if self.stops else 0.0) + self.return_m


def best_order(matrix: Sequence[Sequence[float]]) -> list[int]:
    """The order to visit places 1..n-1 of `matrix` in, starting and ending at place 0, shortest round first.

    `matrix[i][j]` is the distance from place i to place j, in metres.
    """
    size = len(matrix)
    if size <= 2:
        return list(range(1, size))
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=[[round(d) for d in row] for row in matrix])
    problem.add_vehicle(vroom.Vehicle(id=0, start=0, end=0))
    problem.add_job([vroom.Job(id=i, location=i) for i in range(1, size)])
    solution = problem.solve(exploration_level=EXPLORATION, nb_threads=1)
    steps = solution.routes
    order = [int(i) for i in steps.loc[steps["type"] == "job", "location_index"]]
    if sorted(order) != list(range(1, size)):  # VROOM leaves a job out only if it cannot be reached
        raise RuntimeError("the solver left a stop out of the round")
    return order


def round_length(matrix: Sequence[Sequence[float]], order: Sequence[int]) -> float:
    """The length of the round 0 -> order... -> 0."""
    path = [0, *order, 0]
    return sum(matrix[a][b] for a, b in itertools.pairwise(path))


def distance_matrix(session: Session, depot_id: int, container_ids: Sequence[int]) -> tuple[list[int], list[list]]:
    """The depot and containers as keys (the depot first, as -1), and their geodesic distances in metres."""
    stops = union_all(
        select(literal(_DEPOT).label("key"), Depot.geom.label("geom")).where(Depot.id == depot_id),
        select(WasteContainer.id.label("key"), WasteContainer.geom.label("geom")).where(
            WasteContainer.id.in_(container_ids)
        ),
    ).subquery("stops")
    a, b = stops.alias("a"), stops.alias("b")
    # Every pair: a cross join, said as such.
    pairs = select(a.c.key, b.c.key, spatial.DistanceMetres(a.c.geom, b.c.geom)).join(b, true())
    rows = session.execute(pairs).all()
    keys = sorted({row[0] for row in rows})  # the depot (-1) sorts first
    index = {key: i for i, key in enumerate(keys)}
    matrix = [[0.0] * len(keys) for _ in keys]
    for origin, destination, metres in rows:
        matrix[index[origin]][index[destination]] = float(metres or 0.0)
    return keys, matrix


def plan_round(session: Session, depot_id: int, container_ids: Sequence[int]) -> Round:
    """The shortest round from the depot through every given container and back."""
    depot = session.get(Depot, depot_id)
    if depot is None:
        raise NotFound("depot_not_found", field="depot")
    wanted = sorted(set(container_ids))
    if not wanted:
        raise Invalid("round_empty", field="containers")
    if len(wanted) > MAX_STOPS:
        raise Invalid("round_too_many_stops", field="containers", max=MAX_STOPS)
    containers = {
        c.id: c
        for c in session.scalars(
            select(WasteContainer).options(selectinload(WasteContainer.district)).where(WasteContainer.id.in_(wanted))
        )
    }
    if len(containers) != len(wanted):
        raise NotFound("container_not_found", field="containers")
    keys, matrix = distance_matrix(session, depot_id, wanted)
    stops, travelled, previous = [], 0.0, 0
    for position, place in enumerate(best_order(matrix), start=1):
        leg = matrix[previous][place]
        travelled += leg
        stops.append(Stop(position, containers[keys[place]], leg, travelled))
        previous = place
    return Round(depot, stops, matrix[previous][0])
