"""What the page asks a generator to draw (a scene), checked field by field before any work.

A scene is a small JSON object; every field has a type and a range, and a field the API does
not know is refused, so a typo is an error, not a silently ignored setting:

    run         a run's name, as /api/runs lists it
    seed, n     the noise: model.sample_noise(RandomState(seed), n), test mode's own draw
                (seed 0, n 64, label "cycle": test_random.png, pixel for pixel)
    label       "cycle" (classes 0, 1, 2, ... in reading order, as test mode) or one class index
    truncation  BigGAN only: |z| <= t (null: off)
    sliders     up to 8: {"kind": "coordinate" | "direction", "index": i, "value": v} sets z's
                number i (or its position along strongest direction i) to v in every picture
    walk        {"a": i, "b": j, "t": t}: the one picture on the straight line from picture i to
                picture j, a fraction t of the way
    scale       each pixel drawn as scale x scale pixels (1: the generator's own size)
"""
import dataclasses
import math
from typing import Optional, Tuple, Union

MAX_SEED = 2 ** 31 - 1
MAX_PICTURES = 100
MAX_SLIDERS = 8
DIRECTIONS = 8             # the strongest directions a run offers (pool.strongest_directions)
VALUE_LIMIT = 4.0          # |slider value|: a little beyond either prior (DCGAN 1, BigGAN 2 standard deviations)
TRUNCATION = (0.05, 4.0)
MAX_SCALE = 8


class ApiError(Exception):
    """A request the API refuses: the HTTP status and one sentence saying what to change."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Slider:
    kind: str     # "coordinate" or "direction"
    index: int
    value: float


@dataclasses.dataclass(frozen=True)
class Walk:
    a: int
    b: int
    t: float


@dataclasses.dataclass(frozen=True)
class Scene:
    run: str
    seed: int = 0
    n: int = 64
    label: Union[str, int] = "cycle"
    truncation: Optional[float] = None
    sliders: Tuple[Slider, ...] = ()
    walk: Optional[Walk] = None
    scale: int = 1


def whole(obj, key, low, high, default=None):
    """obj[key] as an int in [low, high] (default when absent and a default exists)."""
    value = obj.get(key, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, f"{key} must be a whole number from {low} to {high} (got {value!r})")
    return value


def number(obj, key, low, high, default=None):
    """obj[key] as a finite float in [low, high]."""
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ApiError(400, f"{key} must be a number from {low:g} to {high:g} (got {value!r})")
    return float(value)


def only_keys(obj, what, allowed):
    """obj must be a JSON object with no key outside `allowed`."""
    if not isinstance(obj, dict):
        raise ApiError(400, f"{what} must be a JSON object")
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise ApiError(400, f"{what} has unknown field(s) {', '.join(map(repr, unknown))}; "
                            f"known: {', '.join(allowed)}")


def parse_run_name(body):
    """The "run" field of a request: a short name (the catalogue decides whether it exists)."""
    name = body.get("run") if isinstance(body, dict) else None
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise ApiError(400, "run must be a run's name, as /api/runs lists it")
    return name


def parse_slider(obj):
    only_keys(obj, "a slider", ("kind", "index", "value"))
    if obj.get("kind") not in ("coordinate", "direction"):
        raise ApiError(400, f"a slider's kind must be 'coordinate' or 'direction' (got {obj.get('kind')!r})")
    high = DIRECTIONS - 1 if obj["kind"] == "direction" else 9_999
    return Slider(obj["kind"], whole(obj, "index", 0, high), number(obj, "value", -VALUE_LIMIT, VALUE_LIMIT))


def parse_scene(body):
    """A Scene from a request's JSON, or ApiError(400) naming the first bad field."""
    only_keys(body, "the request", [f.name for f in dataclasses.fields(Scene)])
    run, seed, n = parse_run_name(body), whole(body, "seed", 0, MAX_SEED, 0), whole(body, "n", 1, MAX_PICTURES, 64)
    label = body.get("label", "cycle")
    if label != "cycle":
        label = whole(body, "label", 0, 99_999)
    truncation = body.get("truncation")
    if truncation is not None:
        truncation = number(body, "truncation", *TRUNCATION)
    sliders = body.get("sliders", [])
    if not isinstance(sliders, list) or len(sliders) > MAX_SLIDERS:
        raise ApiError(400, f"sliders must be a list of at most {MAX_SLIDERS}")
    walk = body.get("walk")
    if walk is not None:
        only_keys(walk, "walk", ("a", "b", "t"))
        walk = Walk(whole(walk, "a", 0, n - 1), whole(walk, "b", 0, n - 1), number(walk, "t", 0.0, 1.0))
    return Scene(run, seed, n, label, truncation, tuple(parse_slider(s) for s in sliders), walk,
                 whole(body, "scale", 1, MAX_SCALE, 1))


def check_for_run(scene, run):
    """What a scene may ask of this run (a catalog.Run): its classes, its z, truncation for BigGAN."""
    if scene.label != "cycle" and scene.label >= len(run.classes):
        kind = f"classes 0 to {len(run.classes) - 1}" if run.classes else "no classes (unconditional)"
        raise ApiError(400, f"label {scene.label} is not a class of {run.name}: it has {kind}")
    for slider in scene.sliders:
        if slider.kind == "coordinate" and slider.index >= run.z_dim:
            raise ApiError(400, f"z[{slider.index}] is outside {run.name}'s z (numbers 0 to {run.z_dim - 1})")
        if slider.kind == "direction" and slider.index >= min(DIRECTIONS, run.z_dim):
            raise ApiError(400, f"{run.name} has {min(DIRECTIONS, run.z_dim)} directions, not {slider.index + 1}")
    if scene.truncation is not None and run.model != "BigGAN":
        raise ApiError(400, f"truncation applies to BigGAN runs; {run.name} is a {run.model}")
