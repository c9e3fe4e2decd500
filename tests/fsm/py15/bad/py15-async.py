# py15-async: one violation, on the line marked '<- here'.
async def poll(m):  # <- here
    return m
