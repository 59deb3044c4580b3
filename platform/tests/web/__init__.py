# A package so that pytest's importlib mode names these modules "web.*", not "platform.tests.web.*":
# the latter would shadow the standard library's ``platform`` module for the rest of the session.
