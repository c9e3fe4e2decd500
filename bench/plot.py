"""The build-scaling picture: wall time against spec size (matplotlib when installed, else a plain SVG)."""

from __future__ import annotations

from pathlib import Path

IMAGE = "build_scaling.svg"


def build_plot(points: list[tuple[int, float, float]], out_dir: Path) -> str:
    """points: (states + transitions, build s, check s). Writes IMAGE into out_dir, returns its name."""
    path = out_dir / IMAGE
    try:
        import matplotlib

        matplotlib.use("svg")
        import matplotlib.pyplot as plt
    except ImportError:
        path.write_text(_svg(points))
        return IMAGE
    sizes = [p[0] for p in points]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(sizes, [p[1] for p in points], "o-", label="build --no-draw")
    ax.plot(sizes, [p[2] for p in points], "s-", label="check")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("states + transitions")
    ax.set_ylabel("wall time, s")
    ax.set_title("build.py time against spec size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)
    return IMAGE


def _svg(points: list[tuple[int, float, float]]) -> str:
    w, h, pad = 480, 320, 50
    xmax = max(p[0] for p in points) or 1
    ymax = max(max(p[1], p[2]) for p in points) or 1

    def xy(x: float, y: float) -> str:
        return f"{pad + x / xmax * (w - 2 * pad):.1f},{h - pad - y / ymax * (h - 2 * pad):.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-size="11">',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>',
             f'<text x="{w / 2}" y="{h - 10}" text-anchor="middle">states + transitions (max {xmax})</text>',
             f'<text x="10" y="{pad - 10}">wall s (max {ymax:.2f})</text>']
    for idx, colour in ((1, "blue"), (2, "red")):
        pts = " ".join(xy(p[0], p[idx]) for p in points)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}"/>')
    parts.append('<text x="60" y="20" fill="blue">build --no-draw</text><text x="180" y="20" fill="red">check</text>')
    return "\n".join(parts) + "\n</svg>\n"
