"""Plausible scores for the demo: every unit has a steady quality, improving a little each
year, and loses points item by item with a reason an evaluator would write."""

from __future__ import annotations

import random
from decimal import Decimal

REASONS = {
    1: ["年度计划未专题研究学习型党组织建设", "未按时报送上年度建设情况", "动员部署材料不全"],
    2: ["理论学习内容不够系统", "联系本单位实际不够", "学习记录中专业知识内容偏少"],
    3: ["集体学习不足每季度1次", "自学时间记录不全", "考核激励制度未落实", "学习档案不完整"],
    4: ["中心组集中学习次数不足", "调研报告数量不足", "特色学习活动影响力不够"],
    5: ["学习载体不足3个", "网络学习平台使用不充分", "互动式学习开展较少"],
    6: ["党务公开不及时", "献计献策活动未开展", "民主决策程序记录不全"],
    7: ["班子建设成效材料不足", "事业发展目标完成情况说明不充分"],
}


def unit_quality(code: str) -> float:
    """A steady 0..1 quality per organization, so a unit's rank is similar from year to year."""
    return random.Random(f"quality:{code}").random()


def item_score(rng: random.Random, cap: Decimal, quality: float, year_bonus: float) -> Decimal:
    """Cap minus a deduction in half points; better units and later years lose less."""
    steps = int(cap * 2)
    lose_chance = max(0.05, 0.55 - 0.45 * quality - year_bonus)
    lost = sum(1 for _ in range(steps) if rng.random() < lose_chance * 0.45)
    return (Decimal(steps - lost) / 2).quantize(Decimal("0.1"))


def reason_for(rng: random.Random, category_number: int, score: Decimal, cap: Decimal) -> str:
    return "" if score == cap else rng.choice(REASONS.get(category_number, ["材料不全"]))
