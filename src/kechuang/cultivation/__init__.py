"""cultivation"""
