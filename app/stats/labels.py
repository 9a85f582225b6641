"""The Chinese name of every §5 figure, for the CLI table and the dashboard (one wording)."""

# key → (name, unit); a rate has unit "%".
LABELS: dict[str, tuple[str, str]] = {
    "total": ("信访总量", "件"),
    "persons_total": ("总人次", "人次"),
    "visits.batches": ("来访批次", "批"),
    "visits.persons": ("来访人次", "人次"),
    "collective.batches": ("集体访批次", "批"),
    "collective.persons": ("集体访人次", "人次"),
    "visit_levels.进京": ("进京访", "批"),
    "visit_levels.赴省": ("赴省访", "批"),
    "visit_levels.到市": ("到市访", "批"),
    "visit_levels.到县": ("到县访", "批"),
    "skip_level": ("越级访", "件"),
    "abnormal": ("非正常访", "件"),
    "repeat": ("重复信访", "件"),
    "repeat_rate": ("重复信访率", "%"),
    "timely_acceptance_rate": ("及时受理率", "%"),
    "closure_rate": ("办结率", "%"),
    "on_time_closure_rate": ("按期办结率", "%"),
    "overdue_open": ("超期未办结", "件"),
    "avg_days_to_close": ("平均办结天数", "天"),
    "handled_rate": ("处理率", "%"),
    "evaluation_rate": ("参评率", "%"),
    "satisfaction_rate": ("满意率", "%"),
    "carried_over": ("上期结转", "件"),
    "open_at_end": ("期末未结", "件"),
    "leader_cases": ("领导包案", "件"),
    "leader_closure_rate": ("包案办结率", "%"),
    "leader_receptions.days": ("领导接访天数", "天"),
    "leader_receptions.batches": ("领导接访批次", "批"),
    "leader_receptions.persons": ("领导接访人次", "人次"),
    "screenings.times": ("矛盾纠纷排查次数", "次"),
    "screenings.found": ("排查发现矛盾纠纷", "件"),
    "screenings.resolved": ("化解矛盾纠纷", "件"),
    "data_gaps.status_unknown": ("导入情况不详", "件"),
    "data_gaps.closed_date_unknown": ("导入办结日期不详", "件"),
    "data_gaps.decision_inferred": ("导入推定受理", "件"),
    "workload.overdue": ("超期", "件"),
    "workload.due_soon": ("临期", "件"),
}
BREAKDOWN_NAMES = {
    "by_form": "按信访形式",
    "by_channel": "按来源渠道",
    "by_category": "按问题类别",
    "by_department": "按承办单位",
    "by_month": "按月份",
}


def key_name(key: str) -> str:
    """A §5 JSON key as the clerk reads it: "total" → 信访总量, "by_form.来信" → 信访形式“来信”;
    a key without a name here stays as it is."""
    if key in LABELS:
        return LABELS[key][0]
    group, _, value = key.partition(".")
    if group in BREAKDOWN_NAMES and value:
        return f"{BREAKDOWN_NAMES[group].removeprefix('按')}“{value}”"
    return key


# What a rate is "of", for "22件中21件按期办结".
RATE_PARTS = {
    "repeat_rate": ("信访件", "重复信访"),
    "timely_acceptance_rate": ("应受理", "按时受理"),
    "closure_rate": ("已受理", "办结"),
    "on_time_closure_rate": ("应办结", "按期办结"),
    "handled_rate": ("信访件", "处理完毕"),
    "evaluation_rate": ("已办结", "参加评价"),
    "satisfaction_rate": ("参评", "满意"),
    "leader_closure_rate": ("包案已受理", "办结"),
}

# Imported history with gaps: what each `data_gaps` part leaves out (docs/rules.md, 统计).
GAP_NOTES = {
    "status_unknown": "件导入时情况不详，未计入及时受理率、办结率、处理率等比率和未结件",
    "closed_date_unknown": "件办结日期不详，未计入按期办结率、平均办结天数和超期未办结",
    "decision_inferred": "件受理日期为导入推定，未计入及时受理率",
}


def gaps_note(counts: dict[str, int]) -> str:
    """The note for a report or the dashboard, "" when there are none: e.g.
    "本期有12件导入时情况不详，未计入…；3件办结日期不详，…。". `counts`: Statistics.counts."""
    parts = [
        f"{counts[f'data_gaps.{key}']}{text}"
        for key, text in GAP_NOTES.items()
        if counts.get(f"data_gaps.{key}")
    ]
    return f"本期有{'；'.join(parts)}。" if parts else ""
