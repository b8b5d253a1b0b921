"""The app's colours and sizes, in one place (plain constants: the view models name RAG
colours too, and they import no flet). `widgets.app_theme` turns them into a Flet theme.

NHS identity colours; text colours are chosen for WCAG AA contrast (4.5:1) on both white
and the page grey.
"""

from __future__ import annotations

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_TEXT = "#212B32"
NHS_GREY_BG = "#F0F4F5"
NHS_MID_GREY = "#768692"  # borders and outlines only (3.75:1): never text
NHS_SECONDARY_TEXT = "#4C6272"  # secondary text: 6.9:1 on white, 6.2:1 on the page grey
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#D5281B"
NHS_GREEN = "#007F3B"
WHITE = "#FFFFFF"

TOUCH = 48  # minimum touch target, px
BODY = 16
SMALL = 14
