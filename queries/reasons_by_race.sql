-- question: Which determination and reason did the chosen flow give, and to whom, by race/ethnicity?
-- grain: one row per determination and reason (decision: the column of the other tables it counts in)
-- inputs: reviewed (queries/views/reviewed.sql)
-- notes: the reasons are the flow's own words (see the report's methodology). The group
--        columns add up to convictions.
-- counts: convictions, hispanic, white, black, american_indian, asian, pacific_islander, other_or_multi, unknown
-- keys: decision, determination, reason
-- adds up: convictions = hispanic + white + black + american_indian + asian + pacific_islander + other_or_multi + unknown
select
    decision,
    determination,
    reason,
    count(*) as convictions,
    sum(case when race_group = 'HISPANIC' then 1 else 0 end) as hispanic,
    sum(case when race_group = 'WHITE' then 1 else 0 end) as white,
    sum(case when race_group = 'BLACK' then 1 else 0 end) as black,
    sum(case when race_group = 'AMERICAN_INDIAN' then 1 else 0 end) as american_indian,
    sum(case when race_group = 'ASIAN' then 1 else 0 end) as asian,
    sum(case when race_group = 'PACIFIC_ISLANDER' then 1 else 0 end) as pacific_islander,
    sum(case when race_group = 'OTHER_OR_MULTI' then 1 else 0 end) as other_or_multi,
    sum(case when race_group = 'UNKNOWN' then 1 else 0 end) as unknown
from reviewed
group by decision, determination, reason
order by decision nulls last, determination nulls last, reason nulls last
