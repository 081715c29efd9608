"""The PDF layout of the editions (fpdf2): imported on the first PDF only, fpdf and fontTools being the
heaviest imports of the service (about a second of cold start)."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from enrolment.editions import PORTAL_NAME, pdf_text
from shared import clock


class Pdf(FPDF):
    """A4 portrait, Helvetica, a running footer; helpers for the forms' sections."""

    LABEL_WIDTH = 58
    LINE = 6

    def __init__(self, title: str, footer_note: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.doc_title = title
        self.footer_note = footer_note
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(pdf_text(title))
        self.set_creator(PORTAL_NAME)
        self.set_author(PORTAL_NAME)
        self.set_creation_date(clock.now())
        self.set_lang("fr-FR")
        self.add_page()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, pdf_text(f"{self.doc_title} – {self.footer_note}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, title: str, subtitle: str = "") -> None:
        self.set_font("Helvetica", "B", 18)
        self.cell(0, 10, pdf_text(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font("Helvetica", "", 10)
            self.multi_cell(0, 5, pdf_text(subtitle), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def section(self, title: str) -> None:
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.set_font("Helvetica", "B", 11)
        self.set_fill_color(225, 232, 242)
        self.cell(0, 7, pdf_text(title), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def field(self, label: str, value: Any, blank: bool = True) -> None:
        """A label and its value; an empty value leaves a dotted line to fill in by hand."""
        text = pdf_text(value).strip()
        if not text and blank:
            text = "." * 60
        self.set_font("Helvetica", "B", 9.5)
        self.cell(self.LABEL_WIDTH, self.LINE, pdf_text(label))
        self.set_font("Helvetica", "", 9.5)
        self.multi_cell(0, self.LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, size: float = 9.5, style: str = "") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, 5, pdf_text(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.set_font("Helvetica", "B", 9)
        for header, width in zip(headers, widths, strict=True):
            self.cell(width, 6, pdf_text(header), border=1, fill=True)
        self.ln()
        self.set_font("Helvetica", "", 9)
        for row in rows:
            if self.get_y() > self.h - 25:
                self.add_page()
            for value, width in zip(row, widths, strict=True):
                self.cell(width, 6, pdf_text(value)[:70], border=1)
            self.ln()

    def signature_boxes(self, captions: list[str], height: float = 30) -> None:
        if self.get_y() > self.h - (height + 35):
            self.add_page()
        self.ln(3)
        gap = 6
        width = (self.w - self.l_margin - self.r_margin - gap * (len(captions) - 1)) / len(captions)
        top = self.get_y()
        for index, caption in enumerate(captions):
            x = self.l_margin + index * (width + gap)
            self.set_xy(x, top)
            self.set_font("Helvetica", "B", 9)
            self.multi_cell(width, 5, pdf_text(caption), align="L")
        caption_bottom = top + 11
        for index in range(len(captions)):
            x = self.l_margin + index * (width + gap)
            self.rect(x, caption_bottom, width, height)
        self.set_xy(self.l_margin, caption_bottom + height + 2)

    def done(self) -> bytes:
        self.alias_nb_pages()
        return bytes(self.output())
