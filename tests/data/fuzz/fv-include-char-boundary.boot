#!version:1.0.0.1
include:confiÚ a.cfg
