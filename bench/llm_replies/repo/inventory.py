"""A longer module: a fix to one line must not need the whole file."""

import json


def load_0(path):
    with open(path) as handle:
        return json.load(handle)[0]


def load_1(path):
    with open(path) as handle:
        return json.load(handle)[1]


def load_2(path):
    with open(path) as handle:
        return json.load(handle)[2]


def load_3(path):
    with open(path) as handle:
        return json.load(handle)[3]


def load_4(path):
    with open(path) as handle:
        return json.load(handle)[4]


def load_5(path):
    with open(path) as handle:
        return json.load(handle)[5]


def load_6(path):
    with open(path) as handle:
        return json.load(handle)[6]


def load_7(path):
    with open(path) as handle:
        return json.load(handle)[7]


def load_8(path):
    with open(path) as handle:
        return json.load(handle)[8]


def load_9(path):
    with open(path) as handle:
        return json.load(handle)[9]


def load_10(path):
    with open(path) as handle:
        return json.load(handle)[10]


def load_11(path):
    with open(path) as handle:
        return json.load(handle)[11]


def total(items):
    return sum(item.price for item in items[1:])
