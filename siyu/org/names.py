"""Plausible Chinese personal names for generated people (weights ≈ surname frequency)."""

import itertools
import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
SURNAME_CUM = list(itertools.accumulate(max(1.0, 60 - i) for i in range(len(SURNAMES))))
GIVEN_FEMALE = "婷静敏丽娟艳芳慧颖雪梅琳欣怡佳悦璐晶倩瑶洁楠莉萍红霞燕玲菲蕾思雨涵诗琪梦瑾岚"
GIVEN_MALE = "伟强磊军勇杰涛斌超鹏华明辉健峰浩宇凯鑫俊晨博文轩昊天毅翔飞龙刚帅东"
GIVEN_ANY = "子一嘉可欣志海建国晓家云新春佳思安泽若宁晗"


def person_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]
    pool = GIVEN_FEMALE if gender == "female" else GIVEN_MALE if gender == "male" else GIVEN_ANY
    if rng.random() < 0.35:
        return surname + rng.choice(pool)
    return surname + rng.choice(GIVEN_ANY + pool) + rng.choice(pool)
