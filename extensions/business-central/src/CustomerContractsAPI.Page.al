// GET /api/logisticsSync/shipping/v1.0/companies({id})/customerContracts('{customerNo}') (read-only).
page 50103 "LSYNC Customer Contracts API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'customerContract';
    EntitySetName = 'customerContracts';
    SourceTable = "LSYNC Customer Contract";
    ODataKeyFields = "Customer No.";
    Editable = false;
    InsertAllowed = false;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Rows)
            {
                field(customerNo; Rec."Customer No.") { }
                field(contractNo; Rec."Contract No.") { }
                field(productCategory; Rec."Product Category") { }
                field(hasTemperatureRange; Rec."Has Temperature Range") { }
                field(minCelsius; Rec."Min. Celsius") { }
                field(maxCelsius; Rec."Max. Celsius") { }
                field(deliveryWindowHours; Rec."Delivery Window Hours") { }
                field(exceptionResponseMinutes; Rec."Exception Response Minutes") { }
                field(accountTeamEmail; Rec."Account Team Email") { }
                field(excursionPenaltyPercent; Rec."Excursion Penalty %") { }
                field(delayPenaltyPercent; Rec."Delay Penalty %") { }
                field(failedDeliveryPenaltyPercent; Rec."Failed Delivery Penalty %") { }
                field(damagePenaltyPercent; Rec."Damage Penalty %") { }
                field(penaltyCapPercent; Rec."Penalty Cap %") { }
            }
        }
    }
}
