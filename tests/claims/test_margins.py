from margins import clear_above, clear_below, clear_of


def test_clear_of_needs_a_fifth_of_the_width():
    assert clear_of(0.3, 1.3) and clear_of(-1.3, -0.3)
    assert not clear_of(0.1, 1.1)  # nearer edge 10 % of the width from zero
    assert not clear_of(-0.5, 0.5)
    assert clear_above(1.5, 2.5, boundary=1.0) and not clear_below(1.5, 2.5, boundary=1.0)
    assert clear_below(-2.0, -1.0, boundary=-0.5) and not clear_above(-2.0, -1.0)
