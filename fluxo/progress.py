"""Step-by-step progress on the terminal: each step's title, then its outcome and duration."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(highlight=False)


@contextmanager
def step(title: str) -> Iterator[None]:
    console.print(f"[bold]•[/bold] {title} ...")
    started = time.monotonic()
    try:
        yield
    except BaseException:
        console.print(f"[red]✗[/red] {title} failed after {time.monotonic() - started:.1f} s")
        raise
    console.print(f"[green]✓[/green] {title} [dim]({time.monotonic() - started:.1f} s)[/dim]")


def note(text: str) -> None:
    console.print(f"  [dim]{text}[/dim]")


@contextmanager
def counter(title: str) -> Iterator[Progress]:
    """A progress bar for a step that knows how many items it has."""
    with Progress(
        TextColumn(f"  {title}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield progress
