"""The intake form's fields, laid out like the paper 来信来访登记表, with a message line each."""

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.cases.intake import CaseInput
from ui.widgets import DictCombo, FieldMessage, date_edit, from_qdate, to_qdate


class FormFields(QWidget):
    def __init__(self, dictionaries: dict[str, list[str]]) -> None:
        super().__init__()
        self.dictionaries = dictionaries
        d = dictionaries
        today = clock.today()
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, FieldMessage] = {}

        # 一、基本情况
        self.received_on = date_edit(today)
        self.petition_differs = QCheckBox("与登记日期不同")
        self.petition_on = date_edit(today)
        self.petition_on.setEnabled(False)
        self.form = DictCombo(d["form"], allow_empty=False, editable=False)
        self.channel = DictCombo(d["channel"], allow_empty=False)
        self.assigning_org = QLineEdit()
        self.assigning_ref = QLineEdit()
        self.assigning_ref.setPlaceholderText("文号")
        # 二、信访人
        self.name = QLineEdit()
        self.anonymous = QCheckBox("匿名")
        self.joint = QCheckBox("联名")
        self.id_number = QLineEdit()
        self.id_number.setMaxLength(20)
        self.id_number.setPlaceholderText("18位，末位可为X")
        self.gender = DictCombo(["男", "女"], editable=False)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("手机或带区号的固定电话")
        self.address = QLineEdit()
        self.workplace = QLineEdit()
        self.persons = QSpinBox()
        self.persons.setRange(1, 100000)
        self.involved_persons = QSpinBox()
        self.involved_persons.setRange(0, 10000000)
        self.involved_persons.setSpecialValueText("未填")
        self.collective = QCheckBox("集体访")
        # 三、反映问题
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(64)
        self.category = DictCombo(d["category"])
        self.subcategory = DictCombo([])
        self.subcategory.setMinimumWidth(110)
        self.subcategory.setToolTip("二级分类")
        self.nature = DictCombo(d["nature"], editable=False)
        self.locality = QLineEdit()
        self.target = QLineEdit()
        # 四、标记
        self.repeat = QCheckBox("重复信访")
        self.repeat_of = QLineEdit()
        self.repeat_of.setPlaceholderText("此前信访件编号")
        self.visit_level = DictCombo(d["visit_level"], editable=False)
        self.skip_level = QCheckBox("越级访")
        self.abnormal = QCheckBox("非正常访")
        self.legal = QCheckBox("涉法涉诉")
        self.urgent = QCheckBox("重大紧急")
        # 五、办理
        self.department = DictCombo(d["department"])
        self.handler = QLineEdit()
        self.leader = DictCombo(d.get("leader", []))
        self.remark = QLineEdit()

        basic = self._group(
            "一、基本情况",
            [
                # One field a row: the column stays narrow enough for two columns at 1024.
                ("登记日期", "received_on", self.received_on),
                ("信访日期", "petition_on", self._pair(self.petition_differs, self.petition_on)),
                ("信访形式", "form", self.form),
                ("来源渠道", "channel", self.channel),
                ("交办机关", "assigning_org", self._pair(self.assigning_org, self.assigning_ref)),
            ],
        )
        person = self._group(
            "二、信访人",
            [
                ("姓名", "name", self._pair(self.name, self.anonymous, self.joint)),
                ("身份证号", "id_number", self.id_number),
                ("性别", "gender", self.gender),
                ("联系电话", "phone", self.phone),
                ("住址", "address", self.address),
                ("工作单位", "workplace", self.workplace),
                (
                    "人数",
                    "persons",
                    self._pair(self.persons, QLabel("涉及人数"), self.involved_persons),
                ),
                ("", "collective", self.collective),
            ],
        )
        content = self._group(
            "三、反映问题",
            [
                ("内容摘要", "summary", self.summary),
                ("问题类别", "category", self._pair(self.category, self.subcategory)),
                ("性质", "nature", self.nature),
                ("问题属地", "locality", self.locality),
                ("被反映对象", "target", self.target),
            ],
        )
        flags = self._group(
            "四、情形",
            [
                ("", "repeat_of", self._pair(self.repeat, self.repeat_of)),
                ("走访层级", "visit_level", self.visit_level),
                (
                    "",
                    "skip_level",
                    self._grid(self.skip_level, self.abnormal, self.legal, self.urgent),
                ),
            ],
        )
        handling = self._group(
            "五、办理",
            [
                ("承办单位", "department", self.department),
                ("经办人", "handler", self.handler),
                ("包案领导", "leader", self.leader),
                ("备注", "remark", self.remark),
            ],
        )
        self.fields.update(
            {
                "subcategory": self.subcategory,
                "petition_on": self.petition_on,
                "assigning_ref": self.assigning_ref,
                "involved_persons": self.involved_persons,
                "repeat": self.repeat,
            }
        )
        for alias, key in (
            ("subcategory", "category"),
            ("assigning_ref", "assigning_org"),
            ("involved_persons", "persons"),
            ("repeat", "repeat_of"),
            ("anonymous", "name"),
            ("abnormal", "skip_level"),
            ("legal", "skip_level"),
            ("urgent", "skip_level"),
        ):
            self.messages.setdefault(alias, self.messages[key])
            self.fields.setdefault(alias, getattr(self, alias))

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 8, 0)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(basic)
        left.addWidget(person)
        left.addStretch(1)
        right.addWidget(content)
        right.addWidget(flags)
        right.addWidget(handling)
        right.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        # Tab order = the paper form, top to bottom, left column then right.
        self.order: list[QWidget] = [
            self.received_on,
            self.petition_differs,
            self.petition_on,
            self.form,
            self.channel,
            self.assigning_org,
            self.assigning_ref,
            self.name,
            self.anonymous,
            self.joint,
            self.id_number,
            self.gender,
            self.phone,
            self.address,
            self.workplace,
            self.persons,
            self.involved_persons,
            self.collective,
            self.summary,
            self.category,
            self.subcategory,
            self.nature,
            self.locality,
            self.target,
            self.repeat,
            self.repeat_of,
            self.visit_level,
            self.skip_level,
            self.abnormal,
            self.legal,
            self.urgent,
            self.department,
            self.handler,
            self.leader,
            self.remark,
        ]
        for a, b in zip(self.order, self.order[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _pair(self, *widgets: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for i, w in enumerate(widgets):
            row.addWidget(w, 1 if i == 0 else 0)
        return box

    def _grid(self, *widgets: QWidget) -> QWidget:
        """Check boxes two a row (four in one row pushed the form past 1024 px)."""
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, w in enumerate(widgets):
            grid.addWidget(w, *divmod(i, 2))
        return box

    def _group(self, title: str, rows: list[tuple[str, str, QWidget]]) -> QGroupBox:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, key, widget in rows:
            message = FieldMessage()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(1)
            column.addWidget(widget)
            column.addWidget(message)
            form.addRow(label, cell)
            own = getattr(self, key, None)
            self.fields[key] = own if isinstance(own, QWidget) else widget
            self.messages[key] = message
        return group

    def set_dictionaries(self, d: dict[str, list[str]]) -> None:
        self.dictionaries = d
        for key in ("channel", "category", "department", "leader"):
            getattr(self, key).set_values(d.get(key, []))
        self.subcategory.set_values(d.get(f"sub:{self.category.value()}", []))

    def field(self, key: str) -> QWidget:
        return self.fields[key]

    def message(self, key: str) -> FieldMessage:
        return self.messages[key]

    def inputs(self) -> list[QWidget]:
        return list(self.order)

    def fill(self, data: CaseInput) -> None:
        self.received_on.setDate(to_qdate(data.received_on))
        self.petition_differs.setChecked(data.petition_on is not None)
        self.petition_on.setDate(to_qdate(data.petition_on or data.received_on))
        self.form.set_value(data.form)
        self.channel.set_value(data.channel)
        for key in (
            "assigning_org",
            "assigning_ref",
            "name",
            "id_number",
            "phone",
            "address",
            "workplace",
            "locality",
            "target",
            "repeat_of",
            "handler",
            "remark",
        ):
            getattr(self, key).setText(getattr(data, key) or "")
        for key in ("anonymous", "joint", "repeat", "skip_level", "abnormal", "legal", "urgent"):
            getattr(self, key).setChecked(bool(getattr(data, key)))
        self.gender.set_value(data.gender)
        self.persons.setValue(data.persons)
        self.involved_persons.setValue(data.involved_persons or 0)
        self.summary.setPlainText(data.summary)
        self.category.set_value(data.category)
        self.subcategory.set_values(self.dictionaries.get(f"sub:{data.category}", []))
        self.subcategory.set_value(data.subcategory)
        self.nature.set_value(data.nature)
        self.visit_level.set_value(data.visit_level)
        self.department.set_value(data.department)
        self.leader.set_value(data.leader)
        self.number = data.number

    def collect(self) -> CaseInput:
        text = {
            k: getattr(self, k).text().strip()
            for k in (
                "assigning_org",
                "assigning_ref",
                "name",
                "id_number",
                "phone",
                "address",
                "workplace",
                "locality",
                "target",
                "repeat_of",
                "handler",
                "remark",
            )
        }
        flags = {
            k: getattr(self, k).isChecked()
            for k in ("anonymous", "joint", "repeat", "skip_level", "abnormal", "legal", "urgent")
        }
        return CaseInput(
            received_on=from_qdate(self.received_on.date()),
            petition_on=from_qdate(self.petition_on.date())
            if self.petition_differs.isChecked()
            else None,
            form=self.form.value(),
            channel=self.channel.value(),
            gender=self.gender.value(),
            persons=self.persons.value(),
            involved_persons=self.involved_persons.value() or None,
            summary=self.summary.toPlainText().strip(),
            category=self.category.value(),
            subcategory=self.subcategory.value(),
            nature=self.nature.value(),
            visit_level=self.visit_level.value(),
            department=self.department.value(),
            leader=self.leader.value(),
            number=getattr(self, "number", ""),
            **text,
            **flags,
        )
