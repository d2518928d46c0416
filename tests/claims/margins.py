"""How far an interval must lie from a decision boundary before a claims test may pin it."""

FRACTION = 0.2  # the nearer edge lies at least this share of the interval's width from the boundary


def clear_above(low: float, high: float, boundary: float = 0.0, fraction: float = FRACTION) -> bool:
    """The interval lies above `boundary`, its lower edge at least `fraction` of its width away."""
    return low - boundary >= fraction * (high - low)


def clear_below(low: float, high: float, boundary: float = 0.0, fraction: float = FRACTION) -> bool:
    """The interval lies below `boundary`, its upper edge at least `fraction` of its width away."""
    return boundary - high >= fraction * (high - low)


def clear_of(low: float, high: float, boundary: float = 0.0, fraction: float = FRACTION) -> bool:
    """The interval lies on one side of `boundary`, clear of it as `clear_above`/`clear_below` say."""
    return clear_above(low, high, boundary, fraction) or clear_below(low, high, boundary, fraction)
