"""Dashboards (数据看板 · 移动 BI): pages that put other apps' KPI selectors side by side.

It owns no tables: every figure comes from the selectors of commerce, content, tracking and
guidetasks, inside the caller's scope (see docs/guidetasks.md, "Mobile BI").
"""
