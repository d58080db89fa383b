import math


class Circle:
    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return math.pi * self.radius * 2

    def describe(self):
        return f"circle of radius {self.radius}"
