"""The steering group's decision on a proposed version: proposal, members' comments, decision."""
