"""cert"""
