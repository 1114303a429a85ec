// GET /api/logisticsSync/shipping/v1.0/companies({id})/salesOrderLogistics('{orderNo}') (read-only; 404 without a row).
page 50104 "LSYNC Order Logistics API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'salesOrderLogistic';
    EntitySetName = 'salesOrderLogistics';
    SourceTable = "LSYNC Sales Order Logistics";
    ODataKeyFields = "Order No.";
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
                field(orderNo; Rec."Order No.") { }
                field(temperatureRegime; Rec."Temperature Regime") { }
                field(minCelsius; Rec."Min. Celsius") { }
                field(maxCelsius; Rec."Max. Celsius") { }
                field(shipToLocation; Rec."Ship-to Location") { }
                field(vehicleId; Rec."Vehicle Id") { }
                field(trailerId; Rec."Trailer Id") { }
                field(driverId; Rec."Driver Id") { }
                field(contractNo; Rec."Contract No.") { }
                field(documentStatus; Rec."Document Status") { }
            }
        }
    }
}
